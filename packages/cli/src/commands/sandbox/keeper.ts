import { watch } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CorralError, Sandbox } from '@corral/sdk';
import type { CorralErrorCode, SandboxInfo } from '@corral/sdk';
import type { CliContext, DetachedCreateOptions } from '../../context.js';

/** What the parent sends the keeper on stdin. */
export interface KeeperRequest {
  provider: string;
  options: DetachedCreateOptions;
}

/** The keeper's one line on stdout. */
export type KeeperReply =
  | { ok: true; info: SandboxInfo }
  | { ok: false; error: { code: CorralErrorCode; message: string; retryable: boolean } };

/**
 * The hidden `corral __keeper` command behind `corral sandbox create`. A local sandbox lives as
 * long as the process that created it, so this detached process creates it, reports it on
 * stdout, then stays as its owner until the sandbox is deleted (`corral sandbox rm`, its
 * `--max-lifetime`, or SIGTERM to the keeper), and exits.
 */
export async function keeperCommand(ctx: CliContext): Promise<number> {
  const request = JSON.parse(await readAll(ctx.stdin)) as KeeperRequest;
  const { options } = request;
  const provider = await ctx.openProvider(
    request.provider,
    options.isolation === undefined ? {} : { isolation: options.isolation },
  );
  try {
    let sandbox: Sandbox;
    try {
      sandbox = await Sandbox.create({ ...options, provider, signal: ctx.signal });
    } catch (error) {
      reply(ctx, { ok: false, error: toWire(error) });
      return 1;
    }
    reply(ctx, { ok: true, info: sandbox.cachedInfo });
    const sandboxDir = sandbox.cachedInfo.metadata.stateDir;
    if (sandboxDir) await untilRemoved(sandboxDir, ctx.signal);
    // Gone already (or we were told to stop): either way make sure nothing is left.
    await sandbox.kill({ signal: AbortSignal.timeout(30_000) });
    return 0;
  } finally {
    await provider.close();
  }
}

function reply(ctx: CliContext, message: KeeperReply): void {
  ctx.stdout.write(`${JSON.stringify(message)}\n`);
}

function toWire(error: unknown): { code: CorralErrorCode; message: string; retryable: boolean } {
  if (error instanceof CorralError)
    return { code: error.code, message: error.message, retryable: error.retryable };
  return {
    code: 'INTERNAL',
    message: error instanceof Error ? error.message : String(error),
    retryable: false,
  };
}

/** Resolves when the sandbox's state directory disappears (delete from any process) or on abort. */
async function untilRemoved(dir: string, signal: AbortSignal): Promise<void> {
  const exists = (): Promise<boolean> =>
    access(dir).then(
      () => true,
      () => false,
    );
  await new Promise<void>((resolve) => {
    const watcher = watch(dirname(dir), { signal });
    const check = (): void => {
      void exists().then((present) => {
        if (!present) finish();
      });
    };
    const finish = (): void => {
      watcher.close();
      resolve();
    };
    watcher.on('change', (_event, name) => {
      if (name === null || String(name) === basename(dir)) check();
    });
    watcher.on('error', finish);
    watcher.on('close', resolve);
    // A delete that happened before the watcher started must not be missed.
    check();
  });
}

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream)
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}
