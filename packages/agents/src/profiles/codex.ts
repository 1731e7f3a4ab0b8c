/**
 * OpenAI Codex CLI: `codex exec --json <prompt>` prints JSON lines: `thread.started`,
 * `turn.started`, `item.started`/`item.completed` (agent_message, reasoning,
 * command_execution, file_change, mcp_tool_call, error), `turn.completed` with usage, and
 * `turn.failed`/`error`. Resume is `codex exec resume <thread_id> <prompt>`. The model provider
 * comes from `$CODEX_HOME/config.toml`, pointed at Corral's gateway.
 *
 * Codex's own sandbox (bubblewrap, `-s read-only`) cannot nest inside Corral's (user namespaces
 * are disabled there), so Codex runs with its sandbox bypassed — Corral's sandbox is the
 * boundary — and plan mode is an instruction plus Corral's check: a plan run that changed the
 * workspace fails with PLAN_MODIFIED_WORKSPACE and the changes are reverted.
 */
import { truncateOutput, type AgentEventBody } from '../events.js';
import { jsonLine, num, obj, str, type Json } from './json-line.js';
import type { AgentProfile, OutputParser, RunMode } from './types.js';

export const CODEX_VERSION = '0.171.0';

export const PLAN_INSTRUCTION =
  'PLAN ONLY: do not modify any file and do not run commands that change state. Read what you ' +
  'need, then answer with a numbered implementation plan and stop.\n\nTask: ';

const KEY_REFUSED = /401|unauthori[sz]ed|invalid api key|incorrect api key/i;

export function codexParser(mode: RunMode): OutputParser {
  let sessionId: string | undefined;
  let lastText = '';
  let turns = 0;
  let failed: string | undefined;
  const started = new Set<string>();
  return {
    line(line) {
      const msg = jsonLine(line);
      if (!msg) return [];
      const out: AgentEventBody[] = [];
      switch (msg.type) {
        case 'thread.started':
          sessionId = str(msg.thread_id);
          out.push({ type: 'session.started', sessionId: sessionId ?? '' });
          break;
        case 'turn.completed': {
          turns++;
          const u = obj(msg.usage) ?? {};
          out.push({
            type: 'usage',
            inputTokens: num(u.input_tokens),
            outputTokens: num(u.output_tokens),
          });
          break;
        }
        case 'turn.failed':
        case 'error': {
          const message = str(obj(msg.error)?.message) ?? str(msg.message) ?? 'codex failed';
          failed = message;
          out.push({
            type: 'error',
            code: codeFor(message),
            message: describe(message),
            fatal: true,
          });
          break;
        }
        case 'item.started':
        case 'item.updated':
        case 'item.completed':
          out.push(...itemEvents(msg.type, obj(msg.item) ?? {}));
          break;
      }
      return out;
    },
    end(exit) {
      const out: AgentEventBody[] = [];
      const ok = exit.exitCode === 0 && failed === undefined;
      if (mode === 'plan' && ok) out.push({ type: 'plan.ready', plan: lastText });
      out.push({
        type: 'result',
        ok,
        text: lastText || failed || '',
        exitCode: exit.exitCode,
        turns,
        durationMs: exit.durationMs,
        ...(sessionId ? { sessionId } : {}),
      });
      return out;
    },
  };

  function itemEvents(phase: string, item: Json): AgentEventBody[] {
    const id = str(item.id) ?? '';
    const kind = str(item.type);
    const done = phase === 'item.completed';
    if (kind === 'agent_message' && done) {
      lastText = str(item.text) ?? '';
      return [{ type: 'assistant.text', text: lastText }];
    }
    if (kind === 'reasoning' && done) return [{ type: 'thinking', text: str(item.text) ?? '' }];
    if (kind === 'error' && done) {
      // non-fatal notices (e.g. unknown model metadata); fatal ones come as turn.failed
      const message = str(item.message) ?? '';
      return [{ type: 'error', code: 'AGENT_WARNING', message, fatal: false }];
    }
    if (kind === 'command_execution' || kind === 'mcp_tool_call' || kind === 'web_search') {
      const out: AgentEventBody[] = [];
      if (!started.has(id)) {
        started.add(id);
        const name = kind === 'command_execution' ? 'shell' : (str(item.tool) ?? kind);
        const input =
          kind === 'command_execution'
            ? { command: item.command }
            : (item.arguments ?? item.query ?? {});
        out.push({ type: 'tool.call', id, name, input });
      }
      if (done) {
        const exitCode = item.exit_code;
        const ok = item.status !== 'failed' && (exitCode === undefined || exitCode === 0);
        const output = str(item.aggregated_output) ?? JSON.stringify(item.result ?? '');
        out.push({ type: 'tool.result', id, ok, ...truncateOutput(output) });
      }
      return out;
    }
    if (kind === 'file_change') {
      // an apply_patch call: one tool call like any other; Corral's own diff says what changed
      const out: AgentEventBody[] = [];
      const changes = (Array.isArray(item.changes) ? item.changes : []).map((c) => ({
        path: str(obj(c)?.path) ?? '',
        kind: str(obj(c)?.kind) ?? '',
      }));
      if (!started.has(id)) {
        started.add(id);
        out.push({ type: 'tool.call', id, name: 'apply_patch', input: { changes } });
      }
      if (done) {
        const output = changes.map((c) => `${c.kind} ${c.path}`).join('\n');
        out.push({
          type: 'tool.result',
          id,
          ok: item.status !== 'failed',
          ...truncateOutput(output),
        });
      }
      return out;
    }
    return [];
  }
}

function codeFor(message: string): string {
  if (KEY_REFUSED.test(message)) return 'API_KEY_REFUSED';
  if (/429|rate limit/i.test(message)) return 'RATE_LIMITED';
  if (/5\d\d|server error|internal/i.test(message)) return 'MODEL_API_ERROR';
  return 'AGENT_FAILED';
}

function describe(message: string): string {
  return codeFor(message) === 'API_KEY_REFUSED'
    ? `the API key was refused by the model API (${message})`
    : message;
}

export interface CodexProfileOptions {
  /**
   * A Codex model catalog (`{ "models": [...] }`, Codex's own `model_catalog_json` format),
   * written into `$CODEX_HOME` and used instead of the built-in one. Codex 0.171's built-in
   * models run in "code mode" (one JavaScript `exec` tool); a catalog entry with
   * `"tool_mode": "direct"` gets the plain tools (`exec_command`, `apply_patch`) instead — the
   * scripted test model uses this (docs/decisions/0034).
   */
  modelCatalog?: { models: unknown[] };
}

const CATALOG_FILE = '.codex/corral-models.json';

export function codexProfile(options: CodexProfileOptions = {}): AgentProfile {
  return {
    name: 'codex',
    description: 'OpenAI Codex CLI (codex exec --json)',
    npm: { name: '@openai/codex', version: CODEX_VERSION },
    binary: 'node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex',
    api: 'openai',
    hosts: ['api.openai.com'],
    upstreamUrl: 'https://api.openai.com',
    command(ctx) {
      const prompt = ctx.mode === 'plan' ? PLAN_INSTRUCTION + ctx.prompt : ctx.prompt;
      const args = [ctx.bin, 'exec'];
      if (ctx.resumeSessionId) args.push('resume', ctx.resumeSessionId);
      args.push('--json', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox');
      if (ctx.model) args.push('-m', ctx.model);
      args.push(prompt);
      return args;
    },
    env({ token, home }) {
      return { CORRAL_MODEL_TOKEN: token, CODEX_HOME: `${home}/.codex` };
    },
    homeFiles({ baseUrl, home }) {
      const files: Record<string, string> = {};
      const config: string[] = ['model_provider = "corral"'];
      if (options.modelCatalog) {
        files[CATALOG_FILE] = JSON.stringify(options.modelCatalog);
        config.push(`model_catalog_json = ${JSON.stringify(`${home}/${CATALOG_FILE}`)}`);
      }
      config.push(
        '[model_providers.corral]',
        'name = "corral"',
        `base_url = "${baseUrl}/v1"`,
        'env_key = "CORRAL_MODEL_TOKEN"',
        'wire_api = "responses"',
        '',
      );
      files['.codex/config.toml'] = config.join('\n');
      return files;
    },
    parser: codexParser,
  };
}

export const codex: AgentProfile = codexProfile();
