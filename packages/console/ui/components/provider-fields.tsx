import type { KubeContexts, Settings } from '../types.js';
import { KubernetesFields } from './kubernetes-fields.js';

const ISOLATIONS: Settings['local']['isolation'][] = [
  'auto',
  'bubblewrap',
  'gvisor',
  'unshare',
  'none',
];

/** The provider choice, then the chosen provider's own fields. */
export function ProviderFields(props: {
  settings: Settings;
  contexts: KubeContexts | null;
  onChange: (next: Partial<Settings>) => void;
}) {
  const { settings, contexts, onChange } = props;
  return (
    <>
      <fieldset>
        <legend>Sandbox provider</legend>
        {(['local', 'kubernetes'] as const).map((p) => (
          <label key={p} class="radio">
            <input
              type="radio"
              name="provider"
              value={p}
              checked={settings.provider === p}
              onChange={() => onChange({ provider: p })}
            />
            {p === 'local' ? 'Local (this machine)' : 'Kubernetes (Agent Sandbox)'}
          </label>
        ))}
      </fieldset>
      {settings.provider === 'local' ? (
        <fieldset>
          <legend>Local</legend>
          <label for="isolation">Isolation</label>
          <select
            id="isolation"
            value={settings.local.isolation}
            onChange={(e) =>
              onChange({
                local: { isolation: e.currentTarget.value as Settings['local']['isolation'] },
              })
            }
          >
            {ISOLATIONS.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
        </fieldset>
      ) : (
        <KubernetesFields
          value={settings.kubernetes}
          contexts={contexts}
          onChange={(kubernetes) => onChange({ kubernetes })}
        />
      )}
    </>
  );
}
