/** generateText with the AI SDK's own mock model, scripted to call the tools on a real sandbox. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText, stepCountIs } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import type { LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import { createLocalProvider, Sandbox } from '@corral/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxTools } from '../src/index.js';

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

function call(id: string, toolName: string, input: unknown): LanguageModelV4GenerateResult {
  return {
    content: [{ type: 'tool-call', toolCallId: id, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
    usage,
    warnings: [],
  };
}

const done: LanguageModelV4GenerateResult = {
  content: [{ type: 'text', text: 'done' }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage,
  warnings: [],
};

describe('@corral/ai tools with generateText', () => {
  let stateDir: string;
  let provider: ReturnType<typeof createLocalProvider>;
  let sandbox: Sandbox;
  beforeAll(async () => {
    stateDir = await mkdtemp(
      join(process.getuid?.() === 0 ? '/var/lib' : tmpdir(), 'corral-ai-test-'),
    );
    provider = createLocalProvider({ stateDir, minReady: 0 });
    sandbox = await Sandbox.create({ provider });
  });
  afterAll(async () => {
    await sandbox.kill();
    await provider.close();
    expect((await readdir(stateDir)).filter((n) => n.startsWith('sbx-'))).toEqual([]);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('feeds tool results back to the model: write, run, read, list; truncation, traversal, timeout', async () => {
    const model = new MockLanguageModelV4({
      doGenerate: [
        call('1', 'writeFile', { path: 'src/a.txt', content: 'alpha\n' }),
        call('2', 'runCommand', { command: 'cat src/a.txt; seq 1 50000' }),
        call('3', 'readFile', { path: 'src/a.txt' }),
        call('4', 'listFiles', { path: 'src' }),
        call('5', 'readFile', { path: '../../etc/passwd' }),
        call('6', 'runCommand', { command: 'sleep 600', timeoutSeconds: 1 }),
        done,
      ],
    });
    const result = await generateText({
      model,
      tools: sandboxTools(sandbox, { limits: { maxBytes: 2000, maxLines: 100 } }),
      prompt: 'work in the sandbox',
      stopWhen: stepCountIs(10),
    });
    expect(result.text).toBe('done');
    const outputs = result.steps
      .flatMap((step) => step.content)
      .filter((part) => part.type === 'tool-result' || part.type === 'tool-error');
    const byId = new Map(outputs.map((part) => [part.toolCallId, part]));
    expect(byId.get('1')).toMatchObject({
      type: 'tool-result',
      output: { path: 'src/a.txt', bytesWritten: 6 },
    });
    const ran = byId.get('2') as {
      output: { exitCode: number; stdout: string; truncated: boolean };
    };
    expect(ran.output.exitCode).toBe(0);
    expect(ran.output.truncated).toBe(true);
    expect(ran.output.stdout.startsWith('alpha\n1\n2\n')).toBe(true);
    expect(ran.output.stdout).toMatch(
      /output truncated: \d+ of \d+ bytes and \d+ of 50001 lines cut/,
    );
    expect(ran.output.stdout.trimEnd().endsWith('50000')).toBe(true);
    expect(Buffer.byteLength(ran.output.stdout)).toBeLessThan(2200);
    expect(byId.get('3')).toMatchObject({ output: { content: 'alpha\n', truncated: false } });
    expect(byId.get('4')).toMatchObject({
      output: { entries: [{ name: 'a.txt', type: 'file', size: 6 }], totalEntries: 1 },
    });
    const refused = byId.get('5') as { type: string; error: unknown };
    expect(refused.type).toBe('tool-error');
    expect(String(refused.error)).toContain("outside the sandbox's work directory");
    const slept = byId.get('6') as { output: { timedOut: boolean; summary: string } };
    expect(slept.output.timedOut).toBe(true);
    expect(slept.output.summary).toContain('timed out after 1000 ms');

    // What the model saw on its last call includes the tool results, as messages.
    const lastPrompt = JSON.stringify(model.doGenerateCalls.at(-1)?.prompt);
    expect(lastPrompt).toContain('bytesWritten');
    expect(lastPrompt).toContain('timed out after 1000 ms');
  });
});
