/** Bad input from a model: every case is a tool error the model can read, never a crash. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localServer, textOf } from './helpers.js';
import type { LocalServer } from './helpers.js';

describe('corral mcp: bad input', () => {
  let local: LocalServer;
  let client: Client;
  let end: () => Promise<void>;
  let id: string;
  beforeAll(async () => {
    local = await localServer({
      maxUploadBytes: 1024,
      maxSandboxesPerClient: 1,
      maxCommandTimeoutMs: 5_000,
      defaultCommandTimeoutMs: 1_000,
    });
    const opened = local.mcp.openSession();
    end = opened.end;
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await opened.server.connect(serverSide);
    client = new Client({ name: 'bad-input', version: '0' });
    await client.connect(clientSide);
    const created = await client.callTool({ name: 'create_sandbox', arguments: {} });
    id = (created.structuredContent as { sandbox_claim_name: string }).sandbox_claim_name;
  });
  afterAll(async () => {
    await client.close();
    await end();
    await local.close(); // asserts nothing is left
  });

  const call = (name: string, args: Record<string, unknown>) =>
    client.callTool({ name, arguments: args });

  it('unknown tool and missing arguments', async () => {
    const unknown = await call('format_disk', {});
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('Tool format_disk not found');
    const missing = await call('execute_command', { sandbox_claim_name: id });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/Input validation error.*command/);
  });

  it('oversized upload, bad base64, traversal path', async () => {
    const big = await call('upload_file', {
      sandbox_claim_name: id,
      path: 'big.txt',
      content: 'x'.repeat(2000),
    });
    expect(big.isError).toBe(true);
    expect(textOf(big)).toContain(
      'LIMIT_EXCEEDED: The file is 2000 bytes; this server accepts at most 1024',
    );
    const bad64 = await call('upload_file', {
      sandbox_claim_name: id,
      path: 'b.bin',
      content: '!!!',
      binary: true,
    });
    expect(textOf(bad64)).toContain('not valid base64');
    for (const path of ['../x', 'a/../../x', '/etc/passwd']) {
      const escaped = await call('write_file', { sandbox_claim_name: id, path, content: 'x' });
      expect(escaped.isError).toBe(true);
      expect(textOf(escaped)).toContain('PATH_OUTSIDE_ROOT');
    }
  });

  it('a command that never ends comes back as a timeout; a too-long timeout is refused', async () => {
    const slept = await call('execute_command', {
      sandbox_claim_name: id,
      command: 'echo started; sleep 1000',
    });
    expect(slept.isError).toBe(true);
    expect(textOf(slept)).toContain('Command timed out after 1000 ms and was killed');
    expect(slept.structuredContent).toMatchObject({ timed_out: true, stdout: 'started\n' });
    const tooLong = await call('execute_command', {
      sandbox_claim_name: id,
      command: 'true',
      timeout: 3600,
    });
    expect(tooLong.isError).toBe(true);
    expect(textOf(tooLong)).toMatch(/Input validation error.*timeout/);
  });

  it("operator limits: sandboxes per client; network is not the model's choice", async () => {
    const second = await call('create_sandbox', {});
    expect(textOf(second)).toContain('LIMIT_EXCEEDED');
    const { tools } = await client.listTools();
    const create = tools.find((t) => t.name === 'create_sandbox');
    expect(Object.keys(create?.inputSchema.properties ?? {})).not.toContain('network');
    const unknownId = await call('read_file', {
      sandbox_claim_name: 'sbx-0000000000000000',
      path: 'a',
    });
    expect(textOf(unknownId)).toContain('SANDBOX_NOT_OWNED');
  });
});
