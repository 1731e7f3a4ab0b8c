/**
 * Everything the server keeps, behind one small interface. The embedded implementation is SQLite
 * (WASM, `sqlite-store.ts`); a team that outgrows one machine implements the same interface on
 * Postgres (docs/server.md). Every method resolves only after the write is durable (fsync'd):
 * an acknowledged write survives `kill -9`.
 */
import type { Settings, Task } from '../schemas.js';

export interface StoredEvent {
  runId: string;
  /** 1, 2, 3, … per run. */
  seq: number;
  type: string;
  data: unknown;
  time: string;
}

export interface RunRow {
  id: string;
  taskId: string;
  state: string;
  diff: string | null;
  files: { path: string; status: string }[];
  createdAt: string;
  updatedAt: string;
}

/** A sandbox this server created (and so owns): adopted or cleaned up after a restart. */
export interface OwnedSandbox {
  id: string;
  provider: string;
  owner: string;
  taskId: string | null;
  createdAt: string;
}

export interface Store {
  getSettings(): Promise<Settings | undefined>;
  putSettings(settings: Settings): Promise<void>;

  listTasks(): Promise<Task[]>;
  getTask(id: string): Promise<Task | undefined>;
  putTask(task: Task): Promise<void>;
  deleteTask(id: string): Promise<void>;

  putRun(run: RunRow): Promise<void>;
  getRun(id: string): Promise<RunRow | undefined>;

  /** Appends an event; resolves with its sequence number once it is durable. */
  appendEvent(runId: string, type: string, data: unknown): Promise<StoredEvent>;
  /** Events of a run with `seq > after`, in order, at most `limit`. */
  events(runId: string, after: number, limit?: number): Promise<StoredEvent[]>;

  putSandbox(sandbox: OwnedSandbox): Promise<void>;
  deleteSandbox(id: string): Promise<void>;
  listSandboxes(): Promise<OwnedSandbox[]>;

  /** The applied schema version. */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
