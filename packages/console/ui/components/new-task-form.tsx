import { useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { AgentName, Task } from '../types.js';

type WorkspaceKind = 'none' | 'dir' | 'repo';

/** Creates a task in Backlog: prompt, workspace (a directory or a git repo), agent. */
export function NewTaskForm(props: { onCreated: (task: Task) => void }) {
  const [prompt, setPrompt] = useState('');
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState<WorkspaceKind>('none');
  const [where, setWhere] = useState('');
  const [agent, setAgent] = useState<AgentName>('generic');
  const [planFirst, setPlanFirst] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const workspace =
      kind === 'dir' ? { dir: where } : kind === 'repo' ? { repo: where, ref: null } : null;
    try {
      const task = await api<Task>('/tasks', {
        method: 'POST',
        body: { prompt, agent, planFirst, workspace, ...(title.trim() ? { title } : {}) },
      });
      setPrompt('');
      setTitle('');
      props.onCreated(task);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="new-task" aria-label="New task" onSubmit={(e) => void submit(e)}>
      <div class="field grow">
        <label for="task-prompt">Prompt</label>
        <textarea
          id="task-prompt"
          rows={2}
          required
          value={prompt}
          placeholder="What should the agent do?"
          onInput={(e) => setPrompt(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="task-title">Title (optional)</label>
        <input id="task-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="task-workspace-kind">Workspace</label>
        <select
          id="task-workspace-kind"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as WorkspaceKind)}
        >
          <option value="none">empty</option>
          <option value="dir">directory</option>
          <option value="repo">git repository</option>
        </select>
      </div>
      {kind !== 'none' && (
        <div class="field">
          <label for="task-workspace">{kind === 'dir' ? 'Directory' : 'Repository URL'}</label>
          <input
            id="task-workspace"
            required
            value={where}
            onInput={(e) => setWhere(e.currentTarget.value)}
          />
        </div>
      )}
      <div class="field">
        <label for="task-agent">Agent</label>
        <select
          id="task-agent"
          value={agent}
          onChange={(e) => setAgent(e.currentTarget.value as AgentName)}
        >
          <option value="generic">generic</option>
          <option value="claude-code">claude-code</option>
          <option value="codex">codex</option>
        </select>
      </div>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={planFirst}
          onChange={(e) => setPlanFirst(e.currentTarget.checked)}
        />
        Plan first
      </label>
      <button type="submit" disabled={busy}>
        Create task
      </button>
      {error !== null && (
        <p class="message message-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
