import type { ApiKeyRef } from '../types.js';

type Kind = 'none' | 'env' | 'file' | 'secret';

function kindOf(ref: ApiKeyRef | null): Kind {
  if (ref === null) return 'none';
  if ('env' in ref) return 'env';
  if ('file' in ref) return 'file';
  return 'secret';
}

function blank(kind: Kind): ApiKeyRef | null {
  if (kind === 'env') return { env: '' };
  if (kind === 'file') return { file: '' };
  if (kind === 'secret') return { secret: { name: '', key: '' } };
  return null;
}

/** Where an API key comes from (an env var, a file, a Kubernetes Secret) — never the key itself. */
export function ApiKeyField(props: {
  id: string;
  label: string;
  value: ApiKeyRef | null;
  onChange: (value: ApiKeyRef | null) => void;
}) {
  const { id, label, value, onChange } = props;
  const kind = kindOf(value);
  return (
    <fieldset class="key-ref">
      <legend>{label}</legend>
      <label for={`${id}-kind`}>Source</label>
      <select
        id={`${id}-kind`}
        value={kind}
        onChange={(e) => onChange(blank(e.currentTarget.value as Kind))}
      >
        <option value="none">not set</option>
        <option value="env">environment variable</option>
        <option value="file">file</option>
        <option value="secret">Kubernetes Secret</option>
      </select>
      {value !== null && 'env' in value && (
        <>
          <label for={`${id}-env`}>Variable name</label>
          <input
            id={`${id}-env`}
            value={value.env}
            placeholder="ANTHROPIC_API_KEY"
            onInput={(e) => onChange({ env: e.currentTarget.value })}
          />
        </>
      )}
      {value !== null && 'file' in value && (
        <>
          <label for={`${id}-file`}>File path</label>
          <input
            id={`${id}-file`}
            value={value.file}
            onInput={(e) => onChange({ file: e.currentTarget.value })}
          />
        </>
      )}
      {value !== null && 'secret' in value && (
        <>
          <label for={`${id}-secret-name`}>Secret name</label>
          <input
            id={`${id}-secret-name`}
            value={value.secret.name}
            onInput={(e) => onChange({ secret: { ...value.secret, name: e.currentTarget.value } })}
          />
          <label for={`${id}-secret-key`}>Secret key</label>
          <input
            id={`${id}-secret-key`}
            value={value.secret.key}
            onInput={(e) => onChange({ secret: { ...value.secret, key: e.currentTarget.value } })}
          />
        </>
      )}
    </fieldset>
  );
}
