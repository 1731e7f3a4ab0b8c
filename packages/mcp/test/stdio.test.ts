/**
 * The real thing: the MCP SDK's own Client spawns the built `corral mcp` (packages/cli/bin/corral.js,
 * as `npx corral mcp` runs it) and talks stdio. Needs `npm run build` (CI's `npm ci` does it).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNothingLeft, processesUsing, sandboxDirs, tempStateDir, textOf } from './helpers.js';

const bin = fileURLToPath(new URL('../../cli/bin/corral.js', import.meta.url));
const built = fileURLToPath(new URL('../../cli/dist/commands/mcp/mcp.js', import.meta.url));

interface Connected {
  client: Client;
  transport: StdioClientTransport;
  stderr: () => string;
}

async function connect(stateDir: string, args: string[] = []): Promise<Connected> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', ...args],
    env: { ...(process.env as Record<string, string>), CORRAL_STATE_DIR: stateDir },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'corral-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** Resolves when the spawned server process has exited. */
function exited(transport: StdioClientTransport): Promise<void> {
  const pid = transport.pid;
  return new Promise((resolve) => {
    const check = (): void => {
      try {
        process.kill(pid!, 0);
        setImmediate(check);
      } catch {
        resolve();
      }
    };
    if (pid === null) resolve();
    else check();
  });
}

describe('corral mcp over stdio (SDK Client, spawned CLI)', () => {
  let stateDir: string;
  beforeAll(async () => {
    if (!existsSync(built)) {
      throw new Error(`${built} is missing: run \`npm run build\` before this test.`);
    }
    stateDir = await tempStateDir();
  });
  afterAll(async () => {
    await assertNothingLeft(stateDir);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('lists the tools, runs the upstream seven end to end, and deletes on disconnect', async () => {
    const { client, transport } = await connect(stateDir);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of [
      'create_sandbox',
      'delete_sandbox',
      'execute_command',
      'upload_file',
      'download_file',
      'list_files',
      'file_exists',
      'run_command',
      'write_file',
      'read_file',
      'kill_sandbox',
    ]) {
      expect(names).toContain(name);
    }
    // Upstream-shaped arguments (warmpool and namespace are required there) are accepted.
    const created = await client.callTool({
      name: 'create_sandbox',
      arguments: { warmpool: 'python', namespace: 'default' },
    });
    expect(created.isError).toBeFalsy();
    const id = (created.structuredContent as { sandbox_claim_name: string }).sandbox_claim_name;
    expect(id).toMatch(/^sbx-/);
    expect(textOf(created)).toContain('Ignored warmpool, namespace');
    expect(await sandboxDirs(stateDir)).toEqual([id]);

    const ran = await client.callTool({
      name: 'execute_command',
      arguments: {
        sandbox_claim_name: id,
        namespace: 'default',
        command: 'echo out; echo err >&2; exit 3',
      },
    });
    expect(ran.structuredContent).toMatchObject({ exit_code: 3, stdout: 'out\n', stderr: 'err\n' });

    const uploaded = await client.callTool({
      name: 'upload_file',
      arguments: {
        sandbox_claim_name: id,
        namespace: 'default',
        path: 'dir/data.bin',
        content: Buffer.from([0, 1, 2, 255]).toString('base64'),
        binary: true,
      },
    });
    expect(uploaded.structuredContent).toEqual({ bytes_written: 4 });
    const downloaded = await client.callTool({
      name: 'download_file',
      arguments: {
        sandbox_claim_name: id,
        namespace: 'default',
        path: 'dir/data.bin',
        binary: true,
      },
    });
    expect(downloaded.structuredContent).toEqual({ content: 'AAEC/w==', bytes_read: 4 });
    await client.callTool({
      name: 'upload_file',
      arguments: {
        sandbox_claim_name: id,
        namespace: 'default',
        path: 'dir/hello.txt',
        content: 'héllo\n',
      },
    });
    const text = await client.callTool({
      name: 'download_file',
      arguments: { sandbox_claim_name: id, namespace: 'default', path: 'dir/hello.txt' },
    });
    expect(text.structuredContent).toEqual({ content: 'héllo\n', bytes_read: 7 });

    const listed = await client.callTool({
      name: 'list_files',
      arguments: { sandbox_claim_name: id, namespace: 'default', path: 'dir' },
    });
    const listing = listed.structuredContent as {
      entries: Array<{ name: string; size: number; type: string }>;
      total_entries: number;
      truncated: boolean;
    };
    expect(listing.entries.map((e) => [e.name, e.size, e.type])).toEqual([
      ['data.bin', 4, 'file'],
      ['hello.txt', 7, 'file'],
    ]);
    expect(listing).toMatchObject({ total_entries: 2, truncated: false });

    for (const [path, exists] of [
      ['dir/hello.txt', true],
      ['dir', true],
      ['dir/missing', false],
    ] as const) {
      const result = await client.callTool({
        name: 'file_exists',
        arguments: { sandbox_claim_name: id, namespace: 'default', path },
      });
      expect(result.structuredContent).toEqual({ exists });
    }

    // A command inside sees the uploaded file: the tools act in the sandbox, not on the host.
    const inside = await client.callTool({
      name: 'execute_command',
      arguments: { sandbox_claim_name: id, command: 'cat dir/hello.txt; pwd' },
    });
    expect((inside.structuredContent as { stdout: string }).stdout).toBe('héllo\n/work\n');

    const deleted = await client.callTool({
      name: 'delete_sandbox',
      arguments: { sandbox_claim_name: id, namespace: 'default' },
    });
    expect(deleted.isError).toBeFalsy();
    expect(await sandboxDirs(stateDir)).toEqual([]);
    const again = await client.callTool({
      name: 'execute_command',
      arguments: { sandbox_claim_name: id, command: 'true' },
    });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain('SANDBOX_NOT_OWNED');

    // Two more sandboxes, then the client goes away: the server deletes both and exits.
    for (let i = 0; i < 2; i++) {
      const more = await client.callTool({ name: 'create_sandbox', arguments: {} });
      expect(more.isError).toBeFalsy();
    }
    expect(await sandboxDirs(stateDir)).toHaveLength(2);
    const gone = exited(transport);
    await client.close();
    await gone;
    expect(await sandboxDirs(stateDir)).toEqual([]);
    expect(await processesUsing(stateDir)).toEqual([]);
  });

  it('streams run_command output as progress notifications', async () => {
    const { client, transport } = await connect(stateDir);
    const created = await client.callTool({ name: 'create_sandbox', arguments: {} });
    const id = (created.structuredContent as { sandbox_claim_name: string }).sandbox_claim_name;
    const progress: Array<{ progress: number; message?: string | undefined }> = [];
    const result = await client.callTool(
      {
        name: 'run_command',
        arguments: {
          sandbox_claim_name: id,
          command: ['sh', '-c', 'for i in 1 2 3; do echo line$i; sleep 0.05; done'],
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect(result.structuredContent).toMatchObject({
      exit_code: 0,
      stdout: 'line1\nline2\nline3\n',
    });
    expect(progress.map((p) => p.message).join('')).toBe('line1\nline2\nline3\n');
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
    const gone = exited(transport);
    await client.close();
    await gone;
    await assertNothingLeft(stateDir);
  });

  it('refuses --isolation none before starting: tool calls never run on the host', async () => {
    const child = spawn(process.execPath, [bin, 'mcp', '--isolation', 'none'], {
      env: { ...process.env, CORRAL_STATE_DIR: stateDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toContain('--isolation none would run tool calls on the host');
    expect(stdout).toBe('');
  });
});
