import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { CliContext } from '../../src/context.js';

/** A context whose provider must never be reached: bad input has to fail before anything exists. */
function context(): CliContext & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk) => ((out += String(chunk)), true) },
    stderr: { write: (chunk) => ((err += String(chunk)), true) },
    stdin: (async function* () {})(),
    env: { NO_COLOR: '1' },
    signal: new AbortController().signal,
    openProvider: () => Promise.reject(new Error('no provider may be opened for bad input')),
    createDetached: () => Promise.reject(new Error('no sandbox may be created for bad input')),
    out: () => out,
    err: () => err,
  };
}

describe('runCli with bad input (in-process)', () => {
  it.each([
    [['run', '--timeout', '30', '--', 'true'], /--timeout "30" is not a duration.*ms, s, m or h/],
    [['run', '--network', 'bogus', '--', 'true'], /Use none, full, or allow=/],
    [['run', '--cpus', 'lots', '--', 'true'], /--cpus "lots" must be a positive number/],
    [['run', '--pids', '0', '--', 'true'], /--pids "0" must be a positive whole number/],
    [['run', '--isolation', 'docker', '--', 'true'], /gvisor, bubblewrap, unshare, none/],
    [['run', '--env', 'NOEQUALS', '--', 'true'], /NAME=VALUE/],
    [['run'], /missing required argument 'command'/],
    [['task', 'run'], /required option '--message <text>' not specified/],
    [['sandbox', 'create', '--memory', '1t'], /--memory "1t" is not a size/],
    [['sandbox', 'rm'], /Name at least one sandbox id/],
    [['sandbox', 'rm', '--all', 'sbx-1'], /either sandbox ids or --all/],
    [['sandbox', 'cp', 'a.txt', 'b.txt'], /Write one side as <id>:<path>/],
    [['sandbox', 'exec', 'sbx-1', '--timeout', 'soon', '--', 'true'], /--timeout "soon"/],
    [['nonsense'], /unknown command 'nonsense'/],
  ])('%j exits 2 with a message that says what to do', async (argv, message) => {
    const ctx = context();
    expect(await runCli(argv, ctx)).toBe(2);
    expect(ctx.err()).toMatch(message);
  });

  it('prints a JSON error on stdout with --json', async () => {
    const ctx = context();
    expect(await runCli(['sandbox', 'list', '--json', '--label', 'novalue'], ctx)).toBe(2);
    expect(JSON.parse(ctx.out())).toMatchObject({
      ok: false,
      exitCode: 2,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/--label "novalue"/) },
    });
  });

  it('maps a usage error from the parser to JSON too', async () => {
    const ctx = context();
    expect(await runCli(['run', '--json', '--bogus', '--', 'true'], ctx)).toBe(2);
    expect(JSON.parse(ctx.out())).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });
});
