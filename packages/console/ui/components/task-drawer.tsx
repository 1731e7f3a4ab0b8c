import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, errorText } from '../api.js';
import { useTaskEvents } from '../hooks/use-task-events.js';
import type { Task, TaskDiff } from '../types.js';
import { DiffView } from './diff-view.js';
import { Transcript } from './transcript.js';

function workspaceText(task: Task): string {
  if (task.workspace === null) return 'empty workspace';
  if ('dir' in task.workspace) return task.workspace.dir;
  return `${task.workspace.repo}${task.workspace.ref ? `@${task.workspace.ref}` : ''}`;
}

/** The open task: its live transcript, Approve / Reject on a plan, and the resulting diff. */
export function TaskDrawer(props: {
  task: Task;
  onChange: (task: Task) => void;
  onStart: (id: string) => void;
  onClose: () => void;
  onDeleted: (id: string) => void;
}) {
  const { task, onChange, onStart, onClose, onDeleted } = props;
  const [feedback, setFeedback] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [diff, setDiff] = useState<TaskDiff | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const path = `/tasks/${encodeURIComponent(task.id)}`;
  const refresh = (): void => {
    api<Task>(path).then(onChange, (e: unknown) => setError(errorText(e)));
  };
  const events = useTaskEvents(task.status === 'backlog' ? null : task.id, {
    keep: true,
    onStatus: refresh,
  });

  useEffect(() => heading.current?.focus(), [task.id]);
  useEffect(() => {
    setDiff(null);
    if (task.status !== 'done' && task.status !== 'failed') return;
    api<TaskDiff>(`${path}/diff`).then(setDiff, (e: unknown) => {
      if (!(e instanceof ApiError && e.status === 404)) setError(errorText(e));
    });
  }, [task.id, task.status, path]);

  const act = (verb: 'approve' | 'reject' | 'cancel'): void => {
    setError(null);
    const body = verb === 'approve' && feedback.trim() ? { feedback } : {};
    api<Task>(`${path}/${verb}`, { method: 'POST', body }).then(onChange, (e: unknown) =>
      setError(errorText(e)),
    );
  };
  const remove = (): void => {
    api(path, { method: 'DELETE' }).then(
      () => onDeleted(task.id),
      (e: unknown) => setError(errorText(e)),
    );
  };

  return (
    <aside
      class="drawer"
      aria-labelledby="drawer-title"
      data-testid="drawer"
      data-status={task.status}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <header class="drawer-head">
        <h2 id="drawer-title" ref={heading} tabIndex={-1}>
          {task.title}
        </h2>
        <button type="button" aria-label="Close task" onClick={onClose}>
          ✕
        </button>
      </header>
      <dl class="facts">
        <dt>Status</dt>
        <dd data-testid="task-status">{task.status.replace('_', ' ')}</dd>
        <dt>Agent</dt>
        <dd>{task.agent}</dd>
        <dt>Workspace</dt>
        <dd>{workspaceText(task)}</dd>
        <dt>Usage</dt>
        <dd>
          {task.usage
            ? `${task.usage.inputTokens} in / ${task.usage.outputTokens} out${task.usage.costUsd === null ? '' : ` · $${task.usage.costUsd.toFixed(4)}`}`
            : '–'}
        </dd>
      </dl>
      <p class="prompt">{task.prompt}</p>
      {task.error !== null && <p class="message message-error">{task.error}</p>}
      <div class="actions">
        {task.status === 'backlog' && (
          <>
            <button type="button" onClick={() => onStart(task.id)}>
              Start (move to In progress)
            </button>
            <button type="button" onClick={remove}>
              Delete
            </button>
          </>
        )}
        {task.status === 'in_progress' && (
          <button type="button" onClick={() => act('cancel')}>
            Cancel
          </button>
        )}
      </div>
      {task.status === 'awaiting_approval' && (
        <div class="approval" role="group" aria-label="Plan approval">
          <label for="approval-feedback">Feedback for the agent (optional)</label>
          <textarea
            id="approval-feedback"
            rows={2}
            value={feedback}
            onInput={(e) => setFeedback(e.currentTarget.value)}
          />
          <div class="actions">
            <button type="button" class="primary" onClick={() => act('approve')}>
              Approve plan
            </button>
            <button type="button" class="danger" onClick={() => act('reject')}>
              Reject plan
            </button>
          </div>
        </div>
      )}
      {error !== null && (
        <p class="message message-error" role="alert">
          {error}
        </p>
      )}
      <h3>Transcript</h3>
      <Transcript events={events} />
      {diff !== null && (
        <>
          <h3>Diff</h3>
          <DiffView diff={diff} />
        </>
      )}
    </aside>
  );
}
