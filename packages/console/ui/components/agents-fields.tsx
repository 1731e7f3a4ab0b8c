import type { Settings } from '../types.js';
import { ApiKeyField } from './api-key-field.js';

type Agents = Settings['agents'];

/** The default agent profile and the vendors' API keys (each a secret reference). */
export function AgentsFields(props: { value: Agents; onChange: (value: Agents) => void }) {
  const { value, onChange } = props;
  return (
    <fieldset>
      <legend>Agents</legend>
      <label for="agent-profile">Default agent profile</label>
      <select
        id="agent-profile"
        value={value.defaultProfile}
        onChange={(e) =>
          onChange({ ...value, defaultProfile: e.currentTarget.value as Agents['defaultProfile'] })
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
          value={value.apiKeys[vendor]}
          onChange={(ref) => onChange({ ...value, apiKeys: { ...value.apiKeys, [vendor]: ref } })}
        />
      ))}
    </fieldset>
  );
}
