import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claudeCodeParser, codexParser, genericParser } from '@corral/agents';
import type { AgentEventBody } from '@corral/agents';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n');

function parseAll(
  parser: {
    line(l: string): AgentEventBody[];
    end(e: { exitCode: number | null; durationMs: number }): AgentEventBody[];
  },
  lines: string[],
  exitCode = 0,
) {
  return [...lines.flatMap((l) => parser.line(l)), ...parser.end({ exitCode, durationMs: 5 })];
}

describe('Claude Code stream-json (recorded from claude 2.1.332)', () => {
  it('maps init, text, tool calls, tool results, usage and result', () => {
    const events = parseAll(claudeCodeParser('execute'), fixture('claude-code-stream.jsonl'));
    expect(events.map((e) => e.type)).toEqual([
      'session.started',
      'assistant.text',
      'tool.call',
      'tool.result',
      'tool.call',
      'tool.result',
      'tool.call',
      'tool.result',
      'assistant.text',
      'usage',
      'result',
    ]);
    expect(events[0]).toMatchObject({ sessionId: '8aadba3d-86cf-4327-8d02-9f6ed3100558' });
    expect(events[4]).toMatchObject({ type: 'tool.call', name: 'Edit' });
    expect(events[7]).toMatchObject({ type: 'tool.result', ok: true, output: 'goodbye' });
    expect(events[9]).toMatchObject({ inputTokens: 400, outputTokens: 80, costUsd: 0.0032 });
    expect(events.at(-1)).toMatchObject({ ok: true, text: 'All done.', turns: 4, exitCode: 0 });
  });

  it('reports a refused key clearly and takes the plan from ExitPlanMode', () => {
    const refused = parseAll(
      claudeCodeParser('execute'),
      [
        JSON.stringify({
          type: 'result',
          subtype: 'success',
          is_error: true,
          api_error_status: 401,
          result: 'Invalid API key',
        }),
      ],
      1,
    );
    expect(refused.find((e) => e.type === 'error')).toMatchObject({
      code: 'API_KEY_REFUSED',
      message: expect.stringContaining('the API key was refused'),
    });
    const plan = parseAll(claudeCodeParser('plan'), [
      JSON.stringify({ type: 'system', subtype: 'init', session_id: 's1' }),
      JSON.stringify({
        type: 'assistant',
        message: {
          content: [
            { type: 'tool_use', id: 't', name: 'ExitPlanMode', input: { plan: '1. edit' } },
          ],
        },
      }),
      JSON.stringify({
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'x',
        num_turns: 1,
      }),
    ]);
    expect(plan.find((e) => e.type === 'plan.ready')).toEqual({
      type: 'plan.ready',
      plan: '1. edit',
    });
  });
});

describe('Codex exec --json (lines as printed by codex 0.171.0)', () => {
  it('maps thread, items, usage and result', () => {
    const events = parseAll(codexParser('execute'), [
      '{"type":"thread.started","thread_id":"01a2"}',
      '{"type":"item.completed","item":{"id":"item_0","type":"error","message":"Model metadata for `gpt-test` not found."}}',
      '{"type":"turn.started"}',
      '{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"cat hello.txt","aggregated_output":"","status":"in_progress"}}',
      '{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"cat hello.txt","aggregated_output":"hello\\n","exit_code":0,"status":"completed"}}',
      '{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"hello.txt","kind":"update"}],"status":"completed"}}',
      '{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Hi there."}}',
      '{"type":"turn.completed","usage":{"input_tokens":200,"cached_input_tokens":0,"output_tokens":40}}',
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'session.started',
      'error',
      'tool.call',
      'tool.result',
      'tool.call',
      'tool.result',
      'assistant.text',
      'usage',
      'result',
    ]);
    expect(events[1]).toMatchObject({ fatal: false });
    expect(events[3]).toMatchObject({ ok: true, output: 'hello\n' });
    // an apply_patch (file_change item) is a tool call; Corral's diff reports the files
    expect(events[4]).toMatchObject({
      name: 'apply_patch',
      input: { changes: [{ path: 'hello.txt', kind: 'update' }] },
    });
    expect(events[5]).toMatchObject({ ok: true, output: 'update hello.txt' });
    expect(events.at(-1)).toMatchObject({
      ok: true,
      text: 'Hi there.',
      turns: 1,
      sessionId: '01a2',
    });
  });

  it('turns a 401 into API_KEY_REFUSED', () => {
    const events = parseAll(
      codexParser('execute'),
      [
        '{"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized: invalid api key"}}',
      ],
      1,
    );
    expect(events[0]).toMatchObject({ type: 'error', code: 'API_KEY_REFUSED' });
    expect(events.at(-1)).toMatchObject({ type: 'result', ok: false });
  });
});

describe('generic profile', () => {
  it('passes Corral events through and wraps plain text', () => {
    const events = parseAll(
      genericParser(),
      ['hello', '{"type":"tool.call","id":"1","name":"x","input":{}}'],
      3,
    );
    expect(events).toEqual([
      { type: 'assistant.text', text: 'hello' },
      { type: 'tool.call', id: '1', name: 'x', input: {} },
      { type: 'result', ok: false, text: 'hello', exitCode: 3, turns: 0, durationMs: 5 },
    ]);
  });
});
