/**
 * Red-team W3 for files: a sandbox decides how big its files are (a 1 GiB sparse file costs it
 * no disk), so reading one must cost the host a bounded amount of memory. Resource assertions
 * (RSS growth of this process), not timing ones.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorralError } from '../../src/errors.js';
import { createLocalProvider, type LocalProvider } from '../../src/local/index.js';
import type { ProvisionedSandbox } from '../../src/provider.js';
import { FILE_READ_LIMIT_BYTES, RunnerClient } from '../../src/runner-client/index.js';
import { runnerExec, tempStateDir } from './helpers.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('W3: files.read is bounded; streaming a 1 GiB sparse file keeps host memory flat', () => {
  let stateDir: string;
  let provider: LocalProvider;
  let sandbox: ProvisionedSandbox;
  let client: RunnerClient;

  beforeAll(async () => {
    stateDir = await tempStateDir();
    provider = createLocalProvider({ stateDir, isolation: 'bubblewrap' });
    sandbox = await provider.create({});
    client = new RunnerClient(sandbox.endpoint);
    const made = await runnerExec(
      sandbox.endpoint,
      'truncate -s 1G sparse.bin && du -k sparse.bin && head -c 1000 /dev/zero > small.bin',
    );
    // sparse: the sandbox spent (almost) no disk on it
    expect(Number(made.stdout.split(/\s/)[0])).toBeLessThan(1024);
  });
  afterAll(async () => {
    client?.close();
    if (sandbox) await provider.delete(sandbox.info.id);
    await provider.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('the buffered read refuses a file over maxBytes before reading it, naming the stream', async () => {
    const before = process.memoryUsage().rss;
    const error: unknown = await client.files
      .read('sparse.bin', { format: 'bytes' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorralError);
    const tooLarge = error as CorralError;
    expect(tooLarge.code).toBe('FILE_TOO_LARGE');
    expect(tooLarge.message).toContain(`${GiB} bytes`);
    expect(tooLarge.message).toContain("format: 'stream'");
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * MiB);
    // the default bound, and a caller's own bound, both apply; under the bound it still works
    expect(FILE_READ_LIMIT_BYTES).toBe(64 * MiB);
    await expect(client.files.read('small.bin', { maxBytes: 999 })).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
    });
    expect((await client.files.read('small.bin', { format: 'bytes', maxBytes: 1000 })).length).toBe(
      1000,
    );
    await expect(client.files.read('small.bin', { maxBytes: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('streaming the whole 1 GiB file grows RSS by far less than its size', async () => {
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let bytes = 0;
    const stream = await client.files.read('sparse.bin', { format: 'stream' });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
    }
    expect(bytes).toBe(GiB);
    // before the fix, `sandbox cp` of this file peaked at 2.2 GB
    expect(peak - baseline).toBeLessThan(200 * MiB);
  }, 120_000);
});
