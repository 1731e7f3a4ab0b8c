/**
 * Finds and parses the agent-sandbox CRDs once per process. Parsing ~1 MB of YAML takes about
 * half a second, so parsed files are also cached as JSON in the OS temp dir, keyed by path,
 * size and mtime; later processes (every Vitest worker) load them in milliseconds.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as agentSandbox from '@corral/agent-sandbox';
import { parseAllDocuments } from 'yaml';
import type { CrdObject } from './types.js';

/** Which agent-sandbox release's CRDs to serve. */
export type CrdProfile = 'main' | 'v0.4.6' | 'v0.1.0';

const PROFILE_DIRS: Record<CrdProfile, string> = {
  main: 'main-2fd412d5',
  'v0.4.6': 'v0.4.6',
  'v0.1.0': 'v0.1.0',
};

const PACKAGE_PROFILES: Record<CrdProfile, string> = {
  main: 'v1beta1+v1alpha1',
  'v0.4.6': 'v1alpha1',
  'v0.1.0': 'v0.1.0',
};

function isCrd(doc: unknown): doc is CrdObject {
  return (
    typeof doc === 'object' &&
    doc !== null &&
    (doc as { kind?: unknown }).kind === 'CustomResourceDefinition' &&
    typeof (doc as { spec?: unknown }).spec === 'object'
  );
}

/** Parses a (multi-document) YAML text and returns the CustomResourceDefinitions in it. */
export function parseCrdYaml(text: string): CrdObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS({ maxAliasCount: -1 }) as unknown)
    .filter(isCrd);
}

const fileCache = new Map<string, CrdObject[]>();

/** Reads a CRD YAML file, through the in-process and on-disk caches. */
export function loadCrdFile(path: string): CrdObject[] {
  const cached = fileCache.get(path);
  if (cached) return cached;
  const st = statSync(path);
  const key = createHash('sha256')
    .update(`${path}\0${st.size}\0${st.mtimeMs}`)
    .digest('hex')
    .slice(0, 24);
  const cacheDir = join(tmpdir(), 'corral-testing-crd-cache');
  const cacheFile = join(cacheDir, `${key}.json`);
  let crds: CrdObject[] | undefined;
  try {
    crds = JSON.parse(readFileSync(cacheFile, 'utf8')) as CrdObject[];
  } catch {
    crds = parseCrdYaml(readFileSync(path, 'utf8'));
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(crds));
      renameSync(tmp, cacheFile);
    } catch {
      // The disk cache is only an optimisation.
    }
  }
  fileCache.set(path, crds);
  return crds;
}

/** The repository root: the nearest ancestor with `.git` or a package.json named "corral". */
export function findRepoRoot(from: string = import.meta.dirname): string | undefined {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'corral') return dir;
    } catch {
      // no package.json here
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `<repo>/../shared/reference/crds/<dir>` when it exists. */
export function sharedCrdDir(profile: CrdProfile): string | undefined {
  const root = findRepoRoot();
  if (root === undefined) return undefined;
  const dir = join(root, '..', 'shared', 'reference', 'crds', PROFILE_DIRS[profile]);
  return existsSync(dir) ? dir : undefined;
}

/** Loads every `*.yaml` CRD in a directory, sorted by file name. */
export function loadCrdDir(dir: string): CrdObject[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .flatMap((f) => loadCrdFile(join(dir, f)));
}

const profileCache = new Map<CrdProfile, CrdObject[]>();

/**
 * The agent-sandbox CRDs of a profile: the upstream copies under `../shared` when present,
 * otherwise the ones `@corral/agent-sandbox` generates from its own schemas.
 */
export function loadCrdProfile(profile: CrdProfile): CrdObject[] {
  const cached = profileCache.get(profile);
  if (cached) return cached;
  if (!(profile in PROFILE_DIRS)) {
    throw new Error(
      `Unknown CRD profile "${String(profile)}"; use one of: ${Object.keys(PROFILE_DIRS).join(', ')}, or pass CRD objects`,
    );
  }
  let crds: CrdObject[] | undefined;
  const dir = sharedCrdDir(profile);
  if (dir !== undefined) crds = loadCrdDir(dir);
  if (crds === undefined) {
    const generate = (agentSandbox as unknown as Record<string, unknown>)['agentSandboxCrds'];
    if (typeof generate === 'function') {
      crds = (generate as (p: string) => unknown[])(PACKAGE_PROFILES[profile]).filter(isCrd);
    }
  }
  if (crds === undefined) {
    throw new Error(
      `No agent-sandbox CRDs found for profile "${profile}": neither ../shared/reference/crds nor @corral/agent-sandbox's agentSandboxCrds() is available; pass \`crds: [...]\` explicitly`,
    );
  }
  profileCache.set(profile, crds);
  return crds;
}
