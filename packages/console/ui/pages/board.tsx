import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { NewTaskForm } from '../components/new-task-form.js';
import { TaskCard } from '../components/task-card.js';
import { TaskDrawer } from '../components/task-drawer.js';
import { useTaskEvents } from '../hooks/use-task-events.js';
import type { Task, TaskStatus } from '../types.js';

export const columns: { status: TaskStatus; title: string }[] = [
  { status: 'backlog', title: 'Backlog' },
  { status: 'in_progress', title: 'In progress' },
  { status: 'awaiting_approval', title: 'Awaiting approval' },
  { status: 'done', title: 'Done' },
  { status: 'failed', title: 'Failed' },
];

/** Browsers allow 6 connections per origin over HTTP/1.1; the drawer needs one of its own. */
const MAX_WATCHERS = 3;

/** Refreshes a running task's card whenever its event stream reports a status change. */
function TaskWatcher(props: { id: string; onChange: (task: Task) => void }) {
  const refresh = (): void => {
    api<Task>(`/tasks/${encodeURIComponent(props.id)}`).then(props.onChange, () => undefined);
  };
  useTaskEvents(props.id, { keep: false, onStatus: refresh });
  return null;
}

export function BoardPage() {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);

  useEffect(() => {
    // The board benchmark (bench/console) measures time to interactive up to this mark.
    if (tasks !== null) performance.mark('corral:board-rendered');
  }, [tasks === null]);

  useEffect(() => {
    api<{ items: Task[] }>('/tasks').then(
      (r) => setTasks(r.items),
      (e: unknown) => setError(errorText(e)),
    );
  }, []);

  const upsert = useCallback((task: Task) => {
    setTasks((list) => {
      const items = list ?? [];
      const at = items.findIndex((t) => t.id === task.id);
      if (at < 0) return [task, ...items];
      const copy = items.slice();
      copy[at] = task;
      return copy;
    });
  }, []);

  const start = useCallback(
    (id: string) => {
      setError(null);
      api<Task>(`/tasks/${encodeURIComponent(id)}/start`, { method: 'POST' }).then(upsert, (e) =>
        setError(errorText(e)),
      );
    },
    [upsert],
  );

  if (tasks === null) return <p role="status">{error ?? 'Loading tasks…'}</p>;
  const active = tasks
    .filter(
      (t) => (t.status === 'in_progress' || t.status === 'awaiting_approval') && t.id !== openId,
    )
    .slice(0, MAX_WATCHERS);
  const open = tasks.find((t) => t.id === openId) ?? null;
  return (
    <div class={`board-layout${open ? ' with-drawer' : ''}`}>
      <section class="board-main" aria-labelledby="board-title">
        <h1 id="board-title" class="visually-hidden">
          Board
        </h1>
        <NewTaskForm
          onCreated={(task) => {
            upsert(task);
            setOpenId(task.id);
          }}
        />
        {error !== null && (
          <p class="message message-error" role="alert">
            {error}
          </p>
        )}
        <div class="board" data-testid="board" data-count={tasks.length}>
          {columns.map((col) => {
            const items = tasks.filter((t) => t.status === col.status);
            return (
              <section
                key={col.status}
                class="column"
                data-column={col.status}
                aria-labelledby={`col-${col.status}`}
                onDragOver={(e) => {
                  if (col.status === 'in_progress') e.preventDefault();
                }}
                onDrop={(e) => {
                  const id = e.dataTransfer?.getData('text/x-corral-task');
                  if (col.status === 'in_progress' && id) start(id);
                }}
              >
                <h2 id={`col-${col.status}`}>
                  {col.title} <span class="count">{items.length}</span>
                </h2>
                <ul class="cards" aria-label={`${col.title} tasks`}>
                  {items.map((t) => (
                    <TaskCard
                      key={t.id}
                      task={t}
                      selected={t.id === openId}
                      onOpen={setOpenId}
                      onStart={start}
                    />
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      </section>
      {active.map((t) => (
        <TaskWatcher key={t.id} id={t.id} onChange={upsert} />
      ))}
      {open !== null && (
        <TaskDrawer
          task={open}
          onChange={upsert}
          onStart={start}
          onClose={() => setOpenId(null)}
          onDeleted={(id) => {
            setOpenId(null);
            setTasks((list) => (list ?? []).filter((t) => t.id !== id));
          }}
        />
      )}
    </div>
  );
}
