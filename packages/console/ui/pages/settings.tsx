import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, stream } from '../api.js';
import { ApiKeyField } from '../components/api-key-field.js';
import { ChecksList } from '../components/checks-list.js';
import { KubernetesFields } from '../components/kubernetes-fields.js';
import type { Check, CheckDone, KubeContexts, NetworkDefault, Settings } from '../types.js';

type NetworkKind = 'none' | 'full' | 'allow';

function networkKind(value: NetworkDefault): NetworkKind {
  return typeof value === 'string' ? value : 'allow';
}

export function SettingsPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [contexts, setContexts] = useState<KubeContexts | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [checks, setChecks] = useState<Check[]>([]);
  const [done, setDone] = useState<CheckDone | null>(null);
  const [testing, setTesting] = useState(false);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    api<Settings>('/settings').then(setSettings, (e: unknown) =>
      setMessage({ kind: 'error', text: errorText(e) }),
    );
    api<KubeContexts>('/kube/contexts').then(setContexts, (e: unknown) =>
      setMessage({ kind: 'error', text: errorText(e) }),
    );
    return () => abort.current?.abort();
  }, []);

  if (settings === null) return <p role="status">{message?.text ?? 'Loading settings…'}</p>;
  const update = (next: Partial<Settings>): void => setSettings({ ...settings, ...next });

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      setSettings(await api<Settings>('/settings', { method: 'PUT', body: settings }));
      setMessage({ kind: 'ok', text: 'Settings saved.' });
    } catch (e) {
      setMessage({ kind: 'error', text: errorText(e) });
    }
  };

  const test = async (): Promise<void> => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setChecks([]);
    setDone(null);
    setTesting(true);
    try {
      await stream(
        '/test-connection',
        (event) => {
          if (event.type === 'check') {
            const check = event.data as Check;
            setChecks((list) => {
              const at = list.findIndex((c) => c.id === check.id);
              if (at < 0) return [...list, check];
              const copy = list.slice();
              copy[at] = check;
              return copy;
            });
          } else if (event.type === 'done') setDone(event.data as CheckDone);
        },
        { method: 'POST', body: settings, signal: controller.signal },
      );
    } catch (e) {
      if (!controller.signal.aborted) setMessage({ kind: 'error', text: errorText(e) });
    } finally {
      if (abort.current === controller) setTesting(false);
    }
  };

  const network = networkKind(settings.network.default);
  return (
    <div class="settings-layout">
      <form class="settings" aria-labelledby="settings-title" onSubmit={(e) => void save(e)}>
        <h1 id="settings-title">Settings</h1>
        <fieldset>
          <legend>Sandbox provider</legend>
          {(['local', 'kubernetes'] as const).map((p) => (
            <label key={p} class="radio">
              <input
                type="radio"
                name="provider"
                value={p}
                checked={settings.provider === p}
                onChange={() => update({ provider: p })}
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
                update({
                  local: { isolation: e.currentTarget.value as Settings['local']['isolation'] },
                })
              }
            >
              {['auto', 'bubblewrap', 'gvisor', 'unshare', 'none'].map((i) => (
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
            onChange={(kubernetes) => update({ kubernetes })}
          />
        )}
        <fieldset>
          <legend>Network default</legend>
          <label for="network">Egress</label>
          <select
            id="network"
            value={network}
            onChange={(e) => {
              const kind = e.currentTarget.value as NetworkKind;
              update({ network: { default: kind === 'allow' ? { allow: [] } : kind } });
            }}
          >
            <option value="none">none (no network)</option>
            <option value="full">full</option>
            <option value="allow">allow list</option>
          </select>
          {typeof settings.network.default === 'object' && (
            <>
              <label for="network-allow">Allowed hosts (comma-separated)</label>
              <input
                id="network-allow"
                value={settings.network.default.allow.join(', ')}
                onInput={(e) =>
                  update({
                    network: {
                      default: {
                        allow: e.currentTarget.value
                          .split(',')
                          .map((h) => h.trim())
                          .filter((h) => h !== ''),
                      },
                    },
                  })
                }
              />
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>Agents</legend>
          <label for="agent-profile">Default agent profile</label>
          <select
            id="agent-profile"
            value={settings.agents.defaultProfile}
            onChange={(e) =>
              update({
                agents: {
                  ...settings.agents,
                  defaultProfile: e.currentTarget.value as Settings['agents']['defaultProfile'],
                },
              })
            }
          >
            <option value="generic">generic</option>
            <option value="claude-code">claude-code</option>
            <option value="codex">codex</option>
          </select>
          {(['anthropic', 'openai'] as const).map((vendor) => (
            <ApiKeyField
              key={vendor}
              id={`key-${vendor}`}
              label={vendor === 'anthropic' ? 'Anthropic API key' : 'OpenAI API key'}
              value={settings.agents.apiKeys[vendor]}
              onChange={(ref) =>
                update({
                  agents: {
                    ...settings.agents,
                    apiKeys: { ...settings.agents.apiKeys, [vendor]: ref },
                  },
                })
              }
            />
          ))}
        </fieldset>
        <div class="actions">
          <button type="submit">Save</button>
          <button type="button" onClick={() => void test()} disabled={testing}>
            Test connection
          </button>
        </div>
        <p class={`message message-${message?.kind ?? 'none'}`} role="status" aria-live="polite">
          {message?.text ?? ''}
        </p>
      </form>
      <ChecksList checks={checks} done={done} running={testing} />
    </div>
  );
}
