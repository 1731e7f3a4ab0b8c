/**
 * Claude Code headless: `claude -p <prompt> --output-format stream-json --verbose`. Lines are
 * `system/init`, `assistant` (content blocks: text, thinking, tool_use), `user` (tool_result
 * blocks) and one closing `result` with usage, cost, turns and the final text. Plan mode is
 * `--permission-mode plan`: the agent ends by calling `ExitPlanMode({ plan })`, which headless
 * mode cannot approve; Corral takes the plan from that call and resumes the session with
 * `--resume <session_id>` once the user approves.
 */
import { truncateOutput, type AgentEventBody } from '../events.js';
import { jsonLine, num, obj, str } from './json-line.js';
import type { AgentProfile, OutputParser, RunMode } from './types.js';

export const CLAUDE_CODE_VERSION = '2.1.332';

function toolOutput(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((c) => str(obj(c)?.text) ?? '')
      .filter(Boolean)
      .join('\n');
  return content === undefined ? '' : JSON.stringify(content);
}

/** Messages Claude Code prints when the API refused the key (wording varies by version). */
const KEY_REFUSED = /invalid (x-)?api[- ]key|authentication_error|401/i;

export function claudeCodeParser(mode: RunMode): OutputParser {
  let result: AgentEventBody | undefined;
  let sessionId: string | undefined;
  let plan: string | undefined;
  let lastText = '';
  let turns = 0;
  return {
    line(line) {
      const msg = jsonLine(line);
      if (!msg) return [];
      const out: AgentEventBody[] = [];
      const type = str(msg.type);
      if (type === 'system' && msg.subtype === 'init') {
        sessionId = str(msg.session_id) ?? sessionId;
        const model = str(msg.model);
        out.push({
          type: 'session.started',
          sessionId: sessionId ?? '',
          ...(model ? { model } : {}),
        });
      } else if (type === 'assistant') {
        const content = obj(msg.message)?.content;
        for (const block of Array.isArray(content) ? content : []) {
          const b = obj(block);
          if (!b) continue;
          if (b.type === 'text' && str(b.text)) {
            lastText = str(b.text)!;
            out.push({ type: 'assistant.text', text: lastText });
          } else if (b.type === 'thinking' && str(b.thinking)) {
            out.push({ type: 'thinking', text: str(b.thinking)! });
          } else if (b.type === 'tool_use') {
            const name = str(b.name) ?? 'unknown';
            out.push({ type: 'tool.call', id: str(b.id) ?? '', name, input: b.input ?? {} });
            if (name === 'ExitPlanMode') plan = str(obj(b.input)?.plan) ?? plan;
          }
        }
      } else if (type === 'user') {
        const content = obj(msg.message)?.content;
        for (const block of Array.isArray(content) ? content : []) {
          const b = obj(block);
          if (b?.type !== 'tool_result') continue;
          out.push({
            type: 'tool.result',
            id: str(b.tool_use_id) ?? '',
            ok: b.is_error !== true,
            ...truncateOutput(toolOutput(b.content)),
          });
        }
      } else if (type === 'result') {
        const usage = obj(msg.usage) ?? {};
        const cost = msg.total_cost_usd;
        out.push({
          type: 'usage',
          inputTokens:
            num(usage.input_tokens) +
            num(usage.cache_creation_input_tokens) +
            num(usage.cache_read_input_tokens),
          outputTokens: num(usage.output_tokens),
          ...(typeof cost === 'number' ? { costUsd: cost } : {}),
        });
        turns = num(msg.num_turns);
        const text = str(msg.result) ?? lastText;
        const ok = msg.is_error !== true && msg.subtype === 'success';
        if (!ok) {
          const status = num(msg.api_error_status);
          const refused = status === 401 || (status === 0 && KEY_REFUSED.test(text));
          out.push({
            type: 'error',
            code: refused ? 'API_KEY_REFUSED' : errorCode(str(msg.subtype), status),
            message: refused
              ? `the API key was refused by the model API (${text || 'HTTP 401'})`
              : text || `the agent ended with ${str(msg.subtype) ?? 'an error'}`,
            fatal: true,
          });
        }
        result = {
          type: 'result',
          ok,
          text,
          exitCode: null,
          turns,
          durationMs: num(msg.duration_ms),
          ...(sessionId ? { sessionId } : {}),
        };
      }
      return out;
    },
    end(exit) {
      const out: AgentEventBody[] = [];
      if (mode === 'plan' && result?.type === 'result' && result.ok !== false) {
        out.push({ type: 'plan.ready', plan: plan ?? result.text });
      }
      if (result?.type === 'result') {
        out.push({ ...result, exitCode: exit.exitCode, ok: result.ok && exit.exitCode === 0 });
      } else {
        out.push({
          type: 'result',
          ok: false,
          text: lastText,
          exitCode: exit.exitCode,
          turns,
          durationMs: exit.durationMs,
          ...(sessionId ? { sessionId } : {}),
        });
      }
      return out;
    },
  };
}

function errorCode(subtype: string | undefined, status: number): string {
  if (subtype === 'error_max_turns') return 'MAX_TURNS';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'MODEL_API_ERROR';
  return 'AGENT_FAILED';
}

export const claudeCode: AgentProfile = {
  name: 'claude-code',
  description: 'Anthropic Claude Code (headless, stream-json)',
  npm: { name: '@anthropic-ai/claude-code', version: CLAUDE_CODE_VERSION },
  // the platform package's native binary: no node wrapper, no postinstall needed
  binary: 'node_modules/@anthropic-ai/claude-code-linux-x64/claude',
  api: 'anthropic',
  hosts: ['api.anthropic.com'],
  upstreamUrl: 'https://api.anthropic.com',
  command(ctx) {
    const args = [ctx.bin, '-p', ctx.prompt, '--output-format', 'stream-json', '--verbose'];
    // Corral's sandbox is the boundary, so inside it the agent may act without asking
    args.push('--permission-mode', ctx.mode === 'plan' ? 'plan' : 'bypassPermissions');
    if (ctx.resumeSessionId) args.push('--resume', ctx.resumeSessionId);
    if (ctx.model) args.push('--model', ctx.model);
    if (ctx.maxTurns !== undefined) args.push('--max-turns', String(ctx.maxTurns));
    return args;
  },
  env({ baseUrl, token }) {
    return {
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_API_KEY: token,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    };
  },
  parser: claudeCodeParser,
};
