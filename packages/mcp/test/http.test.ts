/** Streamable HTTP with the SDK's own client: bearer token, sessions, cleanup when a session ends. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { serveMcpHttp } from '../src/index.js';
import type { HttpServing } from '../src/index.js';
import { localServer, sandboxDirs, textOf } from './helpers.js';
import type { LocalServer } from './helpers.js';

const TOKEN = 'test-token-0123456789abcdef';

async function connect(
  url: string,
  token = TOKEN,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: 'corral-http-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, transport };
}

async function createSandbox(client: Client): Promise<string> {
  const created = await client.callTool({ name: 'create_sandbox', arguments: {} });
  expect(created.isError, textOf(created)).toBeFalsy();
  return (created.structuredContent as { sandbox_claim_name: string }).sandbox_claim_name;
}

describe('corral mcp over Streamable HTTP', () => {
  let local: LocalServer | undefined;
  let serving: HttpServing | undefined;
  afterEach(async () => {
    await serving?.close();
    await local?.close(); // asserts no sandbox directory or process is left
    serving = undefined;
    local = undefined;
  });

  it('refuses a missing or wrong bearer token', async () => {
    local = await localServer();
    serving = await serveMcpHttp(local.mcp, { token: TOKEN });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const none = await fetch(serving.url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    await expect(connect(serving.url, 'wrong-token-0123456789abcdef')).rejects.toThrow(
      /401|bearer/i,
    );
    expect(() => local!.mcp.httpHandler({ token: 'short' })).toThrow(/at least 16 characters/);
  });

  it('runs the tools; another client cannot touch the sandbox; ending the session deletes it', async () => {
    local = await localServer();
    serving = await serveMcpHttp(local.mcp, { token: TOKEN });
    const a = await connect(serving.url);
    const b = await connect(serving.url);
    const { tools } = await a.client.listTools();
    expect(tools.map((t) => t.name)).toContain('execute_command');

    const id = await createSandbox(a.client);
    const ran = await a.client.callTool({
      name: 'execute_command',
      arguments: { sandbox_claim_name: id, command: 'echo hi from http' },
    });
    expect(ran.structuredContent).toMatchObject({ exit_code: 0, stdout: 'hi from http\n' });
    await a.client.callTool({
      name: 'upload_file',
      arguments: { sandbox_claim_name: id, path: 'x.txt', content: 'x' },
    });
    const exists = await a.client.callTool({
      name: 'file_exists',
      arguments: { sandbox_claim_name: id, path: 'x.txt' },
    });
    expect(exists.structuredContent).toEqual({ exists: true });

    // Client b knows the id but it is not b's sandbox: every tool refuses it.
    for (const [name, args] of [
      ['execute_command', { command: 'echo stolen' }],
      ['download_file', { path: 'x.txt' }],
      ['delete_sandbox', {}],
    ] as const) {
      const stolen = await b.client.callTool({
        name,
        arguments: { sandbox_claim_name: id, ...args },
      });
      expect(stolen.isError).toBe(true);
      expect(textOf(stolen)).toContain('SANDBOX_NOT_OWNED');
    }
    const bList = await b.client.readResource({ uri: 'sandboxes://local' });
    expect(JSON.parse((bList.contents[0] as { text: string }).text).sandboxes).toEqual([]);
    const aList = await a.client.readResource({ uri: 'sandboxes://local' });
    expect(
      JSON.parse((aList.contents[0] as { text: string }).text).sandboxes.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([id]);

    const bId = await createSandbox(b.client);
    expect((await sandboxDirs(local.stateDir)).sort()).toEqual([id, bId].sort());
    // A disconnect (DELETE of the session) removes what that client created, and only that.
    await a.transport.terminateSession();
    await a.client.close();
    expect(await sandboxDirs(local.stateDir)).toEqual([bId]);
    expect(local.mcp.sessionCount).toBe(1);
    // The server closing removes the rest.
    await serving.close();
    expect(await sandboxDirs(local.stateDir)).toEqual([]);
    await b.client.close();
  });

  it('ends an idle session and deletes its sandboxes', async () => {
    local = await localServer();
    serving = await serveMcpHttp(local.mcp, { token: TOKEN, idleTimeoutMs: 300 });
    const { client } = await connect(serving.url);
    await createSandbox(client);
    expect(await sandboxDirs(local.stateDir)).toHaveLength(1);
    // Nothing in flight on the session from here on; its idle timer removes it.
    await client.close();
    await waitUntil(() => local!.mcp.sessionCount === 0);
    expect(await sandboxDirs(local.stateDir)).toEqual([]);
  });
});

/** Waits for the server's own timer; checks on each turn of the event loop, no fixed sleeps. */
function waitUntil(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (done()) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}
