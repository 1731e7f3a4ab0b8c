import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError, Sandbox } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { createUi } from '../../output/ui.js';
import { parseCpPair, type CpEndpoint } from '../../parse/cp-spec.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';
import { download, upload } from './cp-stream.js';
import { downloadTree, uploadTree, type TreeCopy } from './cp-tree.js';

export interface SandboxCpFlags extends KubeFlags {
  provider: string;
  json: boolean;
  recursive?: boolean;
}

/**
 * `corral sandbox cp <src> <dst>`: one file between the host and a sandbox, `<id>:<path>` on the
 * sandbox side. `-` as the local side means stdin (upload) or stdout (download). Copying to an
 * existing directory keeps the source's file name. `-r` copies a directory tree (cp-tree.ts).
 */
export async function sandboxCpCommand(
  source: string,
  destination: string,
  flags: SandboxCpFlags,
  ctx: CliContext,
): Promise<number> {
  const ui = createUi(ctx, { json: flags.json });
  checkKubeFlags(flags);
  const { from, to } = parseCpPair(source, destination);
  const remote = from.kind === 'sandbox' ? from : to.kind === 'sandbox' ? to : undefined;
  if (!remote) throw new InvalidArgumentError('One side of cp must be <id>:<path>.');
  if (flags.json && from.kind === 'sandbox' && to.path === '-') {
    throw new InvalidArgumentError(
      '--json and a download to stdout (-) both write stdout; pick one.',
    );
  }
  const recursive = flags.recursive === true;
  if (recursive && (from.path === '-' || to.path === '-')) {
    throw new InvalidArgumentError(
      'cp -r copies a directory; it cannot read stdin or write stdout (-).',
    );
  }
  // stat throws ENOENT for a missing file, which the error handler reports as NOT_FOUND.
  if (
    from.kind === 'local' &&
    from.path !== '-' &&
    (await stat(from.path)).isDirectory() &&
    !recursive
  ) {
    throw notOneFile(from.path, source, destination);
  }
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const sandbox = await Sandbox.connect(remote.id, { provider, signal: ctx.signal });
    if (recursive) {
      const tree = await copyTree(sandbox, from, to, ctx.signal);
      const destinationLabel = to.kind === 'sandbox' ? `${to.id}:${tree.target}` : tree.target;
      if (ui.json) ui.result({ ok: true, source, destination: destinationLabel, ...tree.copy });
      else {
        for (const skipped of tree.copy.skipped) ui.status(`Skipped ${skipped}`);
        ui.status(
          `Copied ${tree.copy.files} files in ${tree.copy.directories} directories (${tree.copy.bytes} bytes) to ${destinationLabel}`,
        );
      }
      return 0;
    }
    if (from.kind === 'sandbox' && (await isRemoteDirectory(sandbox, from.path, ctx.signal))) {
      throw notOneFile(from.path, source, destination);
    }
    let bytes: number;
    let target: string;
    // streamed both ways: a file's size never becomes the CLI's memory (W3)
    if (from.kind === 'local') {
      target = (await isRemoteDirectory(sandbox, remote.path, ctx.signal))
        ? joinRemote(remote.path, basename(from.path))
        : remote.path;
      bytes = await upload(sandbox, from.path, ctx.stdin, target, ctx.signal);
    } else {
      if (to.path === '-') {
        await download(sandbox, from.path, ctx.stdout, ctx.signal);
        return 0;
      }
      target = (await isLocalDirectory(to.path)) ? join(to.path, basename(from.path)) : to.path;
      bytes = await download(sandbox, from.path, target, ctx.signal);
    }
    const destinationLabel = to.kind === 'sandbox' ? `${to.id}:${target}` : target;
    if (ui.json) ui.result({ ok: true, source, destination: destinationLabel, bytes });
    else ui.status(`Copied ${bytes} bytes to ${destinationLabel}`);
    return 0;
  });
}

async function isLocalDirectory(path: string): Promise<boolean> {
  return (
    path.endsWith('/') ||
    (await stat(path).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  );
}

async function isRemoteDirectory(
  sandbox: Sandbox,
  path: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (path.endsWith('/')) return true;
  if (!(await sandbox.files.exists(path, { signal }))) return false;
  return (await sandbox.files.stat(path, { signal })).type === 'directory';
}

function joinRemote(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

function notOneFile(path: string, source: string, destination: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${JSON.stringify(path)} is a directory; cp copies one file; pass -r for a directory: corral sandbox cp -r ${source} ${destination}`,
  );
}

/** `cp -r`, with cp's rule: into an existing directory, the copy keeps the source's name. */
async function copyTree(
  sandbox: Sandbox,
  from: CpEndpoint,
  to: CpEndpoint,
  signal: AbortSignal,
): Promise<{ target: string; copy: TreeCopy }> {
  if (from.kind === 'local') {
    const name = basename(resolve(from.path));
    const target = (await isRemoteDirectory(sandbox, to.path, signal))
      ? joinRemote(to.path, name)
      : to.path;
    return { target, copy: await uploadTree(sandbox, from.path, target, signal) };
  }
  const top = await sandbox.files.stat(from.path, { signal });
  if (top.type !== 'directory') {
    throw new InvalidArgumentError(
      `${JSON.stringify(from.path)} in sandbox ${from.id} is not a directory; drop -r to copy one file.`,
    );
  }
  const name = basename(from.path.replace(/\/+$/, '')) || 'root';
  const target = (await isLocalDirectory(to.path)) ? join(to.path, name) : to.path;
  return { target, copy: await downloadTree(sandbox, from.path, target, signal) };
}
