import type { NetworkDefault, Settings } from '../types.js';

type NetworkKind = 'none' | 'full' | 'allow';

function networkKind(value: NetworkDefault): NetworkKind {
  return typeof value === 'string' ? value : 'allow';
}

/** The default egress policy; the host list shows only for an allow list. */
export function NetworkFields(props: {
  value: Settings['network'];
  onChange: (value: Settings['network']) => void;
}) {
  const { value, onChange } = props;
  return (
    <fieldset>
      <legend>Network default</legend>
      <label for="network">Egress</label>
      <select
        id="network"
        value={networkKind(value.default)}
        onChange={(e) => {
          const kind = e.currentTarget.value as NetworkKind;
          onChange({ default: kind === 'allow' ? { allow: [] } : kind });
        }}
      >
        <option value="none">none (no network)</option>
        <option value="full">full</option>
        <option value="allow">allow list</option>
      </select>
      {typeof value.default === 'object' && (
        <>
          <label for="network-allow">Allowed hosts (comma-separated)</label>
          <input
            id="network-allow"
            value={value.default.allow.join(', ')}
            onInput={(e) =>
              onChange({
                default: {
                  allow: e.currentTarget.value
                    .split(',')
                    .map((h) => h.trim())
                    .filter((h) => h !== ''),
                },
              })
            }
          />
        </>
      )}
    </fieldset>
  );
}
