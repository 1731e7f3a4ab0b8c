/**
 * The cgroup layout this process can put sandboxes in: cgroup v2 (a delegated subtree when not
 * root), v1 controllers (root, or a root-prepared `corral` cgroup chowned to the user), or none.
 * Only reads files, so it is cheap enough to run on every detection (never cached).
 */
import { access, constants, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectDelegatedV2, SANDBOX_CONTROLLERS } from './cgroup-v2-delegation.js';
import type { CgroupLayout } from './detect-types.js';

export async function detectCgroups(root: boolean): Promise<CgroupLayout> {
  const base = '/sys/fs/cgroup';
  try {
    const controllers = (await readFile(join(base, 'cgroup.controllers'), 'utf8'))
      .trim()
      .split(/\s+/);
    // cgroup v2 only (unified at the top): as a normal user, the cgroup we run in when it was
    // delegated to us (cgroup-v2-delegation.ts)
    if (!root) {
      return await detectDelegatedV2({
        mount: base,
        selfCgroup: await readFile('/proc/self/cgroup', 'utf8'),
        uid: process.getuid?.() ?? -1,
        gids: process.getgroups?.() ?? [],
      });
    }
    const missing = SANDBOX_CONTROLLERS.filter((c) => !controllers.includes(c));
    const parent = join(base, 'corral');
    return {
      version: 'v2',
      writable: true,
      delegated: false,
      parents: Object.fromEntries(
        SANDBOX_CONTROLLERS.filter((c) => !missing.includes(c)).map((c) => [c, parent]),
      ),
      ...(missing.length ? { reason: `cgroup v2 lacks controllers: ${missing.join(', ')}` } : {}),
    };
  } catch {
    // not v2 at the top: v1 or hybrid
  }
  const parents: Record<string, string> = {};
  let delegated = false;
  for (const controller of SANDBOX_CONTROLLERS) {
    const dir = join(base, controller);
    try {
      await access(join(dir, 'cgroup.procs'));
    } catch {
      continue;
    }
    const corral = join(dir, 'corral');
    if (root) parents[controller] = corral;
    else if (await isWritable(corral)) {
      // a root-prepared, chowned `corral` cgroup (notes §4: v1 delegation)
      parents[controller] = corral;
      delegated = true;
    }
  }
  if (Object.keys(parents).length === 0) {
    return {
      version: (await exists(join(base, 'memory'))) ? 'v1' : 'none',
      writable: false,
      delegated: false,
      parents,
      reason: root
        ? 'no cgroup v1 controllers mounted'
        : `not root and no delegated /sys/fs/cgroup/<controller>/corral (uid ${process.getuid?.()})`,
    };
  }
  return { version: 'v1', writable: true, delegated, parents };
}

async function isWritable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
