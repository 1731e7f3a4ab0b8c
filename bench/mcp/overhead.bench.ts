/**
 * Tool-call overhead: an MCP `execute_command` (SDK Client → in-memory transport → Corral MCP
 * server → runner) beside a direct `sandbox.commands.run` on the same sandbox, in the same run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createLocalProvider } from '../../packages/sdk/src/index.js';
import { CorralMcpServer } from '../../packages/mcp/src/index.js';
import { type Benchmark, median, nowMs } from '../lib.js';

const bench: Benchmark = {
  title: 'MCP tool-call overhead (local provider, bubblewrap)',
  async run({ quick }) {
    const runs = quick ? 10 : 50;
    const stateDir = await mkdtemp(
      join(process.getuid?.() === 0 ? '/var/lib' : tmpdir(), 'corral-bench-mcp-'),
    );
    const provider = createLocalProvider({ stateDir, minReady: 0 });
    const mcp = new CorralMcpServer({ provider });
    const { server, session, end } = mcp.openSession();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'bench', version: '0' });
    await client.connect(clientSide);
    try {
      const created = await client.callTool({ name: 'create_sandbox', arguments: {} });
      const id = (created.structuredContent as { sandbox_claim_name: string }).sandbox_claim_name;
      const sandbox = session.get(id);
      const direct: number[] = [];
      const viaMcp: number[] = [];
      for (let i = 0; i < runs; i++) {
        let start = nowMs();
        await sandbox.commands.run('true');
        direct.push(nowMs() - start);
        start = nowMs();
        await client.callTool({
          name: 'execute_command',
          arguments: { sandbox_claim_name: id, command: 'true' },
        });
        viaMcp.push(nowMs() - start);
      }
      const d = median(direct);
      const m = median(viaMcp);
      return [
        {
          name: 'execute_command via MCP p50',
          value: m,
          unit: 'ms',
          baseline: { label: 'direct commands.run p50', value: d },
        },
        { name: 'MCP overhead p50', value: m - d, unit: 'ms' },
      ];
    } finally {
      await client.close();
      await end();
      await mcp.close();
      await provider.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  },
};

export default bench;
