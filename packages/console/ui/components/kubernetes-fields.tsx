import type { KubeContexts, Settings } from '../types.js';

type Kube = Settings['kubernetes'];

const text: { key: Exclude<keyof Kube, 'context'>; label: string; placeholder: string }[] = [
  { key: 'namespace', label: 'Namespace', placeholder: "the context's namespace" },
  { key: 'runtimeClassName', label: 'Runtime class', placeholder: 'gvisor' },
  { key: 'template', label: 'Sandbox template', placeholder: 'corral-runner' },
  { key: 'warmPool', label: 'Warm pool', placeholder: 'corral-runner' },
];

/** The Kubernetes provider's fields; the context list comes from the user's kubeconfig. */
export function KubernetesFields(props: {
  value: Kube;
  contexts: KubeContexts | null;
  onChange: (value: Kube) => void;
}) {
  const { value, contexts, onChange } = props;
  const names = contexts?.contexts.map((c) => c.name) ?? [];
  if (value.context !== null && !names.includes(value.context)) names.unshift(value.context);
  return (
    <fieldset>
      <legend>Kubernetes</legend>
      <label for="kube-context">Kubeconfig context</label>
      <select
        id="kube-context"
        value={value.context ?? ''}
        onChange={(e) => onChange({ ...value, context: e.currentTarget.value || null })}
      >
        <option value="">current context{contexts?.current ? ` (${contexts.current})` : ''}</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <p class="hint">
        {contexts === null
          ? 'Reading kubeconfig…'
          : contexts.kubeconfig === null
            ? 'No kubeconfig found (KUBECONFIG or ~/.kube/config).'
            : `From ${contexts.kubeconfig}`}
      </p>
      {text.map((f) => (
        <div key={f.key} class="field">
          <label for={`kube-${f.key}`}>{f.label}</label>
          <input
            id={`kube-${f.key}`}
            value={value[f.key] ?? ''}
            placeholder={f.placeholder}
            onInput={(e) => onChange({ ...value, [f.key]: e.currentTarget.value.trim() || null })}
          />
        </div>
      ))}
    </fieldset>
  );
}
