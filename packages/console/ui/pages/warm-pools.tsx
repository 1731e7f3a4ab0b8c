import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ListPage } from '../components/list-page.js';
import type { WarmPool } from '../types.js';

function PoolRow(props: {
  pool: WarmPool;
  onScaled: (pool: WarmPool) => void;
  onError: (m: string) => void;
}) {
  const { pool, onScaled, onError } = props;
  const [replicas, setReplicas] = useState(String(pool.desired));
  const id = `scale-${pool.namespace}-${pool.name}`;
  const scale = (event: Event): void => {
    event.preventDefault();
    api<WarmPool>(`/warm-pools/${encodeURIComponent(pool.name)}/scale`, {
      method: 'POST',
      body: { replicas: Number(replicas) },
    }).then(onScaled, (e: unknown) => onError(errorText(e)));
  };
  return (
    <tr data-pool={pool.name}>
      <td class="mono">{pool.name}</td>
      <td>{pool.namespace}</td>
      <td>{pool.template}</td>
      <td>
        <span class={pool.ready >= pool.desired ? 'ready-full' : 'ready-short'}>
          {pool.ready}/{pool.desired}
        </span>
        <meter
          min={0}
          max={Math.max(1, pool.desired)}
          value={pool.ready}
          aria-label={`${pool.name} ready`}
        />
      </td>
      <td>
        <form class="scale" onSubmit={scale}>
          <label for={id} class="visually-hidden">
            Replicas for {pool.name}
          </label>
          <input
            id={id}
            type="number"
            min={0}
            step={1}
            value={replicas}
            onInput={(e) => setReplicas(e.currentTarget.value)}
          />
          <button type="submit" aria-label={`Scale ${pool.name}`}>
            Scale
          </button>
        </form>
      </td>
    </tr>
  );
}

export function WarmPoolsPage() {
  const [items, setItems] = useState<WarmPool[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = (): void => {
    api<{ items: WarmPool[] }>('/warm-pools').then(
      (r) => setItems(r.items),
      (e: unknown) => setMessage(errorText(e)),
    );
  };
  useEffect(load, []);
  return (
    <ListPage
      titleId="pools-title"
      title="Warm pools"
      onRefresh={load}
      message={message}
      items={items}
      loading="Loading warm pools…"
      empty="No warm pools (they exist on the Kubernetes provider: see Settings)."
      tableLabel="Warm pools"
      columns={['Name', 'Namespace', 'Template', 'Ready / desired', 'Scale']}
      rows={(list) =>
        list.map((p) => (
          <PoolRow
            key={`${p.namespace}/${p.name}`}
            pool={p}
            onError={setMessage}
            onScaled={(pool) => {
              setItems((list) => (list ?? []).map((x) => (x.name === pool.name ? pool : x)));
              setMessage(`Scaled ${pool.name} to ${pool.desired}.`);
            }}
          />
        ))
      }
    />
  );
}
