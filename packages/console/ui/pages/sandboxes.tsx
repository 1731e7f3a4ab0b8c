import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { CommandBox } from '../components/command-box.js';
import { age } from '../format.js';
import type { SandboxView } from '../types.js';

export function SandboxesPage() {
  const [items, setItems] = useState<SandboxView[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  const load = (): void => {
    api<{ items: SandboxView[] }>('/sandboxes').then(
      (r) => {
        setItems(r.items);
        setNow(Date.now());
      },
      (e: unknown) => setMessage(errorText(e)),
    );
  };
  useEffect(load, []);

  const kill = (id: string): void => {
    setMessage(null);
    api(`/sandboxes/${encodeURIComponent(id)}`, { method: 'DELETE' }).then(
      () => {
        setItems((list) => (list ?? []).filter((s) => s.id !== id));
        if (selected === id) setSelected(null);
        setMessage(`Killed ${id}.`);
      },
      (e: unknown) => setMessage(errorText(e)),
    );
  };

  return (
    <section class="page" aria-labelledby="sandboxes-title">
      <div class="page-head">
        <h1 id="sandboxes-title">Sandboxes</h1>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      <p class="message" role="status" aria-live="polite">
        {message ?? ''}
      </p>
      {items === null ? (
        <p role="status">Loading sandboxes…</p>
      ) : items.length === 0 ? (
        <p>No live sandboxes.</p>
      ) : (
        <div class="table-wrap">
          <table aria-label="Live sandboxes">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">State</th>
                <th scope="col">Isolation</th>
                <th scope="col">Age</th>
                <th scope="col">Labels</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id} data-sandbox={s.id} class={s.id === selected ? 'selected' : ''}>
                  <td class="mono">{s.id}</td>
                  <td>
                    <span class={`state state-${s.state}`}>{s.state}</span>
                  </td>
                  <td>{s.isolation ?? s.provider}</td>
                  <td title={s.createdAt}>{age(s.createdAt, now)}</td>
                  <td>
                    {Object.entries(s.labels).map(([k, v]) => (
                      <span key={k} class="label">
                        {k}={v}
                      </span>
                    ))}
                  </td>
                  <td class="row-actions">
                    <button
                      type="button"
                      aria-label={`Open a command box for ${s.id}`}
                      aria-pressed={s.id === selected}
                      onClick={() => setSelected(s.id === selected ? null : s.id)}
                    >
                      Command
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Kill sandbox ${s.id}`}
                      onClick={() => kill(s.id)}
                    >
                      Kill
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected !== null && <CommandBox key={selected} sandboxId={selected} />}
    </section>
  );
}
