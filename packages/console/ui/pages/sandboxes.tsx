import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { CommandBox } from '../components/command-box.js';
import { ListPage } from '../components/list-page.js';
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
    <ListPage
      titleId="sandboxes-title"
      title="Sandboxes"
      onRefresh={load}
      message={message}
      items={items}
      loading="Loading sandboxes…"
      empty="No live sandboxes."
      tableLabel="Live sandboxes"
      columns={['ID', 'State', 'Isolation', 'Age', 'Labels', 'Actions']}
      rows={(list) =>
        list.map((s) => (
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
        ))
      }
    >
      {selected !== null && <CommandBox key={selected} sandboxId={selected} />}
    </ListPage>
  );
}
