/**
 * The workspace inside the sandbox (`/work/repo`): a local directory copied in as a tar stream
 * (`.git` included, so history and diffs work; the host copy is never written), or a git URL
 * cloned inside the sandbox. The starting point is recorded as a git tree through a private
 * index file, so the diff covers untracked files too and never touches the user's index or
 * history; the agent may commit without hiding its changes.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { RunnerClient } from '@corral/sdk';
import { compact } from '@corral/sdk';
import { WorkspaceError } from './errors.js';
import type { FileChange } from './events.js';

export const WORKSPACE_DIR = 'repo';

export type WorkspaceSpec = { dir: string } | { repo: string; ref?: string | undefined };

export interface WorkspaceChanges {
  diff: string;
  files: { path: string; change: FileChange }[];
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'corral',
  GIT_AUTHOR_EMAIL: 'corral@localhost',
  GIT_COMMITTER_NAME: 'corral',
  GIT_COMMITTER_EMAIL: 'corral@localhost',
};

async function sh(
  client: RunnerClient,
  script: string,
  options: { stdin?: Uint8Array; signal?: AbortSignal; env?: Record<string, string> } = {},
) {
  return client.commands.run(
    ['/bin/sh', '-c', script],
    compact({
      env: { ...GIT_ENV, ...options.env },
      stdin: options.stdin,
      signal: options.signal,
    }),
  );
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function checkWorkspace(spec: WorkspaceSpec): Promise<void> {
  if ('dir' in spec) {
    const info = await stat(spec.dir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new WorkspaceError(
        `workspace ${spec.dir} does not exist or is not a directory; pass an existing directory`,
        { code: 'WORKSPACE_NOT_FOUND' },
      );
  } else if (spec.repo.startsWith('/') || spec.repo.startsWith('file://')) {
    const path = spec.repo.startsWith('file://') ? new URL(spec.repo).pathname : spec.repo;
    if (!(await stat(path).catch(() => undefined)))
      throw new WorkspaceError(`cannot clone ${spec.repo}: ${path} does not exist`, {
        code: 'REPO_CLONE_FAILED',
      });
  }
}

/** Exit status of the copy step in the combined copy-and-snapshot script. */
const COPY_FAILED = 97;
/** Exit status of the snapshot step in the combined snapshot-and-diff script. */
const SNAPSHOT_FAILED = 98;

/**
 * Copies or clones the workspace in; returns the starting tree's id. `packed` is the local
 * directory's tar from `packWorkspace()`, when the caller started it earlier (beside the
 * sandbox's creation).
 */
export async function prepareWorkspace(
  client: RunnerClient,
  spec: WorkspaceSpec,
  signal?: AbortSignal,
  /** The repo as the caller named it, when `spec.repo` is its in-sandbox bind path. */
  shownAs?: string,
  packed?: Promise<Buffer>,
): Promise<string> {
  // a repo path is the sandbox's (a bind of the host path checked in `checkWorkspace` before)
  if ('dir' in spec) await checkWorkspace(spec);
  if ('dir' in spec) {
    const tar = await (packed ?? packWorkspace(spec.dir, signal));
    // one command for copy and snapshot: each runner exec is a round trip plus a shell start
    const r = await sh(
      client,
      `{ mkdir -p ${WORKSPACE_DIR} && tar -x -C ${WORKSPACE_DIR}; } || exit ${COPY_FAILED}\n` +
        snapshotScript('start'),
      compact({ stdin: tar, signal }),
    );
    if (r.exitCode === COPY_FAILED)
      throw new WorkspaceError(`copying ${spec.dir} into the sandbox failed: ${r.stderr.trim()}`);
    return treeFrom(r);
  }
  const checkout = spec.ref ? ` && git -C ${WORKSPACE_DIR} checkout -q ${quote(spec.ref)}` : '';
  // a local repo is a read-only bind owned by the host's uid, not the sandbox's: git refuses
  // it as "dubious ownership" unless it is named safe, and git 2.39 honours that only from
  // the system or global config (not `-c`), so this one clone gets a global config naming it
  const safe = spec.repo.startsWith('/')
    ? `export GIT_CONFIG_GLOBAL="$TMPDIR/corral-clone.gitconfig" && ` +
      `git config --global safe.directory ${quote(spec.repo)} && `
    : '';
  const r = await sh(
    client,
    `${safe}git clone -q ${quote(spec.repo)} ${WORKSPACE_DIR}${checkout}`,
    compact({
      signal,
    }),
  );
  if (r.exitCode !== 0)
    throw new WorkspaceError(
      `cannot clone ${shownAs ?? spec.repo}${spec.ref ? ` at ${spec.ref}` : ''}: ${r.stderr.trim() || `exit ${r.exitCode}`}. ` +
        'Check the URL and ref, and that the host is in the network allow-list.',
      { code: 'REPO_CLONE_FAILED' },
    );
  return snapshotTree(client, 'start', signal);
}

function snapshotScript(name: string): string {
  return (
    `cd ${WORKSPACE_DIR} && { [ -e .git ] || git init -q; } && ` +
    `export GIT_INDEX_FILE="$TMPDIR/corral-${name}.idx" && rm -f "$GIT_INDEX_FILE" && ` +
    `git add -A && git write-tree`
  );
}

function treeFrom(r: { exitCode: number | null; stdout: string; stderr: string }): string {
  const tree = r.stdout.trim();
  if (r.exitCode !== 0 || !/^[0-9a-f]{40,64}$/.test(tree))
    throw new WorkspaceError(`cannot record the workspace state: ${r.stderr.trim()}`);
  return tree;
}

async function snapshotTree(client: RunnerClient, name: string, signal?: AbortSignal) {
  return treeFrom(await sh(client, snapshotScript(name), compact({ signal })));
}

export async function collectChanges(
  client: RunnerClient,
  startTree: string,
  signal?: AbortSignal,
): Promise<WorkspaceChanges> {
  // snapshot and diff in one command: this is on the path from the agent's end to the record
  const r = await sh(
    client,
    `end=$(${snapshotScript('end')}) || exit ${SNAPSHOT_FAILED}\n` +
      `cd ${WORKSPACE_DIR} && git diff --no-renames --name-status ${startTree} "$end" && ` +
      `printf '\\0' && git diff --no-renames --binary ${startTree} "$end"`,
    compact({ signal }),
  );
  if (r.exitCode === SNAPSHOT_FAILED)
    throw new WorkspaceError(`cannot record the workspace state: ${r.stderr.trim()}`);
  if (r.exitCode !== 0) throw new WorkspaceError(`cannot compute the diff: ${r.stderr.trim()}`);
  const at = r.stdout.indexOf('\0');
  const files = r.stdout
    .slice(0, at)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [status = 'M', ...rest] = line.split('\t');
      const change: FileChange = status === 'A' ? 'added' : status === 'D' ? 'deleted' : 'modified';
      return { path: rest.join('\t'), change };
    });
  return { diff: r.stdout.slice(at + 1), files };
}

/** The workspace as a tar archive (`.git` included). */
export async function workspaceTar(client: RunnerClient, signal?: AbortSignal): Promise<Buffer> {
  const r = await client.commands.run(
    ['tar', '-c', '-C', WORKSPACE_DIR, '.'],
    compact({
      signal,
    }),
  );
  if (r.exitCode !== 0) throw new WorkspaceError(`cannot archive the workspace: ${r.stderr}`);
  return r.stdoutBytes;
}

/** A local workspace directory as a tar archive (`.git` included), read on the host. */
export function packWorkspace(dir: string, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-c', '-C', dir, '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...compact({ signal }),
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new WorkspaceError(`cannot read ${dir}: ${err.trim()}`)),
    );
  });
}
