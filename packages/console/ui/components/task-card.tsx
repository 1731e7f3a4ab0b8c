import type { Task } from '../types.js';

/**
 * One task on the board. Enter opens it; on a Backlog card, Shift+ArrowRight (or the Start
 * button, or dragging it onto In progress) starts the agent.
 */
export function TaskCard(props: {
  task: Task;
  selected: boolean;
  onOpen: (id: string) => void;
  onStart: (id: string) => void;
}) {
  const { task, selected, onOpen, onStart } = props;
  const backlog = task.status === 'backlog';
  return (
    <li
      class={`card${selected ? ' card-selected' : ''}`}
      data-task={task.id}
      draggable={backlog}
      onDragStart={(e) => e.dataTransfer?.setData('text/x-corral-task', task.id)}
    >
      <button
        type="button"
        class="card-open"
        aria-label={`Open task ${task.title}`}
        aria-keyshortcuts={backlog ? 'Shift+ArrowRight' : undefined}
        onClick={() => onOpen(task.id)}
        onKeyDown={(e) => {
          if (backlog && e.shiftKey && e.key === 'ArrowRight') {
            e.preventDefault();
            onStart(task.id);
          }
        }}
      >
        <span class="card-title">{task.title}</span>
        <span class="card-meta">
          {task.agent}
          {task.usage ? ` · ${task.usage.inputTokens + task.usage.outputTokens} tokens` : ''}
        </span>
        {task.error !== null && <span class="card-error">{task.error}</span>}
      </button>
      {backlog && (
        <button
          type="button"
          class="card-start"
          aria-label={`Start task ${task.title}`}
          onClick={() => onStart(task.id)}
        >
          Start ▶
        </button>
      )}
    </li>
  );
}
