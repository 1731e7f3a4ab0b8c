import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidArgumentError, Sandbox } from '@corral/sdk';
import type { CliContext } from '../../context.js';
import { createUi } from '../../output/ui.js';
import { parseCpPair } from '../../parse/cp-spec.js';
import { withProvider } from '../lifecycle.js';
import { withKubernetes } from '../../kube/provider.js';
import type { KubeFlags } from '../../kube/flags.js';
import { checkKubeFlags } from '../create-options.js';
import { download, upload } from './cp-stream.js';

export interface SandboxCpFlags extends KubeFlags {
  provider: string;
  json: boolean;
}

/**
 * `corral sandbox cp <src> <dst>`: one file between the host and a sandbox, `<id>:<path>` on the
 * sandbox side. `-` as the local side means stdin (upload) or stdout (download). Copying to an
 * existing directory keeps the source's file name.
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
  if (from.kind === 'local' && from.path !== '-' && (await stat(from.path)).isDirectory()) {
    // stat throws ENOENT for a missing file, which the error handler reports as NOT_FOUND.
    throw new InvalidArgumentError(
      `${JSON.stringify(from.path)} is a directory; cp copies one file. Copy a directory as a tar stream: tar -C ${from.path} -cf - . | corral sandbox exec ${remote.id} -- tar -xf - -C ${remote.path}`,
    );
  }
  return withProvider(withKubernetes(ctx, flags), flags.provider, async (provider) => {
    const sandbox = await Sandbox.connect(remote.id, { provider, signal: ctx.signal });
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
