import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { AgentsFields } from '../components/agents-fields.js';
import { ChecksList } from '../components/checks-list.js';
import { NetworkFields } from '../components/network-fields.js';
import { ProviderFields } from '../components/provider-fields.js';
import { useConnectionTest } from '../hooks/use-connection-test.js';
import type { KubeContexts, Settings } from '../types.js';

type Message = { kind: 'ok' | 'error'; text: string };

export function SettingsPage() {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [contexts, setContexts] = useState<KubeContexts | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const showError = (text: string): void => setMessage({ kind: 'error', text });
  const connection = useConnectionTest(showError);

  useEffect(() => {
    api<Settings>('/settings').then(setSettings, (e: unknown) => showError(errorText(e)));
    api<KubeContexts>('/kube/contexts').then(setContexts, (e: unknown) => showError(errorText(e)));
  }, []);

  if (settings === null) return <p role="status">{message?.text ?? 'Loading settings…'}</p>;
  const update = (next: Partial<Settings>): void => setSettings({ ...settings, ...next });

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    try {
      setSettings(await api<Settings>('/settings', { method: 'PUT', body: settings }));
      setMessage({ kind: 'ok', text: 'Settings saved.' });
    } catch (e) {
      showError(errorText(e));
    }
  };

  return (
    <div class="settings-layout">
      <form class="settings" aria-labelledby="settings-title" onSubmit={(e) => void save(e)}>
        <h1 id="settings-title">Settings</h1>
        <ProviderFields settings={settings} contexts={contexts} onChange={update} />
        <NetworkFields value={settings.network} onChange={(network) => update({ network })} />
        <AgentsFields value={settings.agents} onChange={(agents) => update({ agents })} />
        <div class="actions">
          <button type="submit">Save</button>
          <button
            type="button"
            onClick={() => void connection.run(settings)}
            disabled={connection.running}
          >
            Test connection
          </button>
        </div>
        <p class={`message message-${message?.kind ?? 'none'}`} role="status" aria-live="polite">
          {message?.text ?? ''}
        </p>
      </form>
      <ChecksList checks={connection.checks} done={connection.done} running={connection.running} />
    </div>
  );
}
