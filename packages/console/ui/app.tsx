import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from './api.js';
import { Unauthorized } from './components/unauthorized.js';
import { BoardPage } from './pages/board.js';
import { SandboxesPage } from './pages/sandboxes.js';
import { SettingsPage } from './pages/settings.js';
import { WarmPoolsPage } from './pages/warm-pools.js';

const pages = [
  { path: 'board', title: 'Board', Page: BoardPage },
  { path: 'sandboxes', title: 'Sandboxes', Page: SandboxesPage },
  { path: 'warm-pools', title: 'Warm pools', Page: WarmPoolsPage },
  { path: 'settings', title: 'Settings', Page: SettingsPage },
] as const;

function currentPath(): string {
  const path = location.hash.replace(/^#\/?/, '');
  return pages.some((p) => p.path === path) ? path : 'board';
}

export function App() {
  const [path, setPath] = useState(currentPath);
  const [unauthorized, setUnauthorized] = useState(false);
  useEffect(() => onUnauthorized(() => setUnauthorized(true)), []);
  useEffect(() => {
    const onHash = (): void => setPath(currentPath());
    addEventListener('hashchange', onHash);
    // effects run after the first paint: a hash change in between fired no event we heard
    onHash();
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (unauthorized) return <Unauthorized />;
  const page = pages.find((p) => p.path === path) ?? pages[0];
  return (
    <div class="shell">
      <header class="top">
        <span class="brand" aria-label="Corral console">
          corral
        </span>
        <nav aria-label="Pages">
          {pages.map((p) => (
            <a
              key={p.path}
              href={`#/${p.path}`}
              aria-current={p.path === page.path ? 'page' : undefined}
            >
              {p.title}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" aria-label={page.title}>
        <page.Page />
      </main>
    </div>
  );
}
