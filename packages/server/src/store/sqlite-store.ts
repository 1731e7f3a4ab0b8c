/* eslint-disable @typescript-eslint/require-await -- the WASM engine is synchronous; the Store
   interface is async so that a Postgres store can implement it */
/**
 * The embedded store: SQLite compiled to WASM (`node-sqlite3-wasm`), reading and writing a real
 * file through node:fs, so it installs on any Node ≥ 20 with nothing downloaded or compiled
 * (docs/decisions/0025). `synchronous=FULL` with a rollback journal: every commit is fsync'd
 * before the call returns. One server process owns the file (`server.lock`, see `state-lock.ts`).
 */
import { createRequire } from 'node:module';
import { chmodSync, rmSync } from 'node:fs';
import type * as Sqlite from 'node-sqlite3-wasm';
import type { Database as DatabaseType } from 'node-sqlite3-wasm';
import { ServerError } from '../errors.js';
import type { Settings, Task } from '../schemas.js';
import { MIGRATIONS } from './migrations.js';
import type { OwnedSandbox, RunRow, Store, StoredEvent } from './types.js';

type Row = Record<string, string | number | null>;

export class SqliteStore implements Store {
  private readonly db: DatabaseType;

  /**
   * Opens (creating) the database file. The caller holds the state-dir lock, so a leftover
   * `<file>.lock` directory (the WASM VFS's lock, left by a `kill -9` mid-commit) is stale and
   * removed; SQLite then rolls back the hot journal of the interrupted commit.
   */
  constructor(readonly file: string) {
    rmSync(`${file}.lock`, { recursive: true, force: true });
    const require = createRequire(import.meta.url);
    const { Database } = require('node-sqlite3-wasm') as typeof Sqlite;
    try {
      this.db = new Database(file);
      chmodSync(file, 0o600);
      this.db.exec('PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;');
      this.migrate();
    } catch (error) {
      throw new ServerError('STORE_FAILED', `cannot open the store ${file}: ${String(error)}`, {
        cause: error,
      });
    }
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const current = this.version();
    if (current > MIGRATIONS.length) {
      throw new ServerError(
        'STORE_FAILED',
        `the store ${this.file} has schema version ${current}, newer than this server (${MIGRATIONS.length}); upgrade corral`,
      );
    }
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      this.transaction(() => {
        this.db.exec(MIGRATIONS[v - 1]!);
        this.db.run('DELETE FROM schema_version');
        this.db.run('INSERT INTO schema_version (version) VALUES (?)', [v]);
      });
    }
  }

  private version(): number {
    const row = this.db.get('SELECT version FROM schema_version') as Row | null;
    return row ? Number(row.version) : 0;
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  private body<T>(sql: string, values: (string | number)[]): T | undefined {
    const row = this.db.get(sql, values) as Row | null;
    return row ? (JSON.parse(String(row.body)) as T) : undefined;
  }

  private bodies<T>(sql: string, values: (string | number)[] = []): T[] {
    return (this.db.all(sql, values) as Row[]).map((r) => JSON.parse(String(r.body)) as T);
  }

  async getSettings(): Promise<Settings | undefined> {
    return this.body<Settings>('SELECT body FROM settings WHERE key = ?', ['settings']);
  }

  async putSettings(settings: Settings): Promise<void> {
    this.db.run('INSERT OR REPLACE INTO settings (key, body) VALUES (?, ?)', [
      'settings',
      JSON.stringify(settings),
    ]);
  }

  async listTasks(): Promise<Task[]> {
    return this.bodies<Task>('SELECT body FROM tasks ORDER BY created_at, id');
  }

  async getTask(id: string): Promise<Task | undefined> {
    return this.body<Task>('SELECT body FROM tasks WHERE id = ?', [id]);
  }

  async putTask(task: Task): Promise<void> {
    this.db.run('INSERT OR REPLACE INTO tasks (id, created_at, body) VALUES (?, ?, ?)', [
      task.id,
      task.createdAt,
      JSON.stringify(task),
    ]);
  }

  async deleteTask(id: string): Promise<void> {
    this.transaction(() => {
      for (const run of this.db.all('SELECT id FROM runs WHERE task_id = ?', [id]) as Row[]) {
        this.db.run('DELETE FROM run_events WHERE run_id = ?', [String(run.id)]);
      }
      this.db.run('DELETE FROM runs WHERE task_id = ?', [id]);
      this.db.run('DELETE FROM tasks WHERE id = ?', [id]);
    });
  }

  async putRun(run: RunRow): Promise<void> {
    this.db.run('INSERT OR REPLACE INTO runs (id, task_id, body) VALUES (?, ?, ?)', [
      run.id,
      run.taskId,
      JSON.stringify(run),
    ]);
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    return this.body<RunRow>('SELECT body FROM runs WHERE id = ?', [id]);
  }

  async appendEvent(runId: string, type: string, data: unknown): Promise<StoredEvent> {
    const time = new Date().toISOString();
    return this.transaction(() => {
      const row = this.db.get(
        'SELECT coalesce(max(seq), 0) AS seq FROM run_events WHERE run_id = ?',
        [runId],
      ) as Row;
      const seq = Number(row.seq) + 1;
      this.db.run('INSERT INTO run_events (run_id, seq, type, data, time) VALUES (?, ?, ?, ?, ?)', [
        runId,
        seq,
        type,
        JSON.stringify(data),
        time,
      ]);
      return { runId, seq, type, data, time };
    });
  }

  async events(runId: string, after: number, limit = 1000): Promise<StoredEvent[]> {
    const rows = this.db.all(
      'SELECT seq, type, data, time FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      [runId, after, limit],
    ) as Row[];
    return rows.map((r) => ({
      runId,
      seq: Number(r.seq),
      type: String(r.type),
      data: JSON.parse(String(r.data)) as unknown,
      time: String(r.time),
    }));
  }

  async putSandbox(sandbox: OwnedSandbox): Promise<void> {
    this.db.run('INSERT OR REPLACE INTO sandboxes (id, body) VALUES (?, ?)', [
      sandbox.id,
      JSON.stringify(sandbox),
    ]);
  }

  async deleteSandbox(id: string): Promise<void> {
    this.db.run('DELETE FROM sandboxes WHERE id = ?', [id]);
  }

  async listSandboxes(): Promise<OwnedSandbox[]> {
    return this.bodies<OwnedSandbox>('SELECT body FROM sandboxes ORDER BY id');
  }

  async schemaVersion(): Promise<number> {
    return this.version();
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
