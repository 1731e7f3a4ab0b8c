/**
 * Versioned schema migrations: migration N brings the schema from version N-1 to N, applied in
 * one transaction each and recorded in `schema_version`. Never edit a released migration; add one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the first schema.
  `CREATE TABLE settings (key TEXT PRIMARY KEY, body TEXT NOT NULL);
   CREATE TABLE tasks (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, body TEXT NOT NULL);
   CREATE TABLE runs (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, body TEXT NOT NULL);
   CREATE TABLE run_events (
     run_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
     time TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
   CREATE TABLE sandboxes (id TEXT PRIMARY KEY, body TEXT NOT NULL);`,
];
