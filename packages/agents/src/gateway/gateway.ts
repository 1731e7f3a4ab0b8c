/**
 * The host side of the model path. One gateway per run, on a unix socket in a directory bound
 * read-only into that run's sandbox (the directory's name is random and its parent cannot be
 * listed, so other local users cannot find it). A request must carry the run's placeholder
 * token; the gateway replaces it with the real key, forwards to the real API (TLS in
 * production), streams the answer back, counts tokens and enforces the run's limits. The key
 * exists only in this process.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelApi } from '../profiles/types.js';
import {
  BRIDGE_FILE,
  BRIDGE_PY_FILE,
  BRIDGE_PY_SOURCE,
  BRIDGE_SOURCE,
  GATEWAY_SOCKET,
} from './bridge.js';
import { costUsd, DEFAULT_PRICING, UsageScanner, type Pricing, type Usage } from './usage.js';

export interface GatewayLimits {
  maxTokens?: number;
  maxCostUsd?: number;
  /** Model requests that carry tools (agent turns). */
  maxTurns?: number;
  /**
   * Upstream 5xx answers in a row after which the run stops with MODEL_API_ERROR. Default 4.
   * Agents retry 5xx on their own (Claude Code 2.1 up to 10 times with backoff, ~2.5 min),
   * so without this bound an API outage holds the sandbox until `timeoutMs`.
   */
  maxConsecutiveServerErrors?: number;
}

export interface GatewayOptions {
  /** Parent directory (mode 0711) for the per-run directory. */
  parentDir: string;
  api: ModelApi;
  /** Real API base URL, e.g. `https://api.anthropic.com`. */
  upstreamUrl: string;
  apiKey: string;
  limits?: GatewayLimits;
  pricing?: Pricing;
  /** A limit was hit or the upstream refused the key: the run should stop. */
  onStop?(reason: { code: string; message: string }): void;
}

export interface ModelGateway {
  /** The directory to bind into the sandbox (holds the socket and the bridge script). */
  dir: string;
  /** The placeholder the agent presents instead of the key. */
  token: string;
  usage: Usage;
  turns: number;
  /** performance.now() of the first forwarded request, for overhead measurements. */
  firstRequestAt?: number;
  /** HTTP statuses the upstream answered with, in order. */
  statuses: number[];
  costUsd(): number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'x-api-key',
  'authorization',
  'content-length',
]);

const DEFAULT_MAX_SERVER_ERRORS = 4;

/** The error message of an API error body (Anthropic and OpenAI put it at `error.message`). */
function upstreamMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message.slice(0, 300);
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 300) || 'no message';
}

/** A fresh directory for one gateway (its socket and the bridge's source), under `parentDir`. */
async function makeGatewayDir(parentDir: string): Promise<string> {
  await mkdir(parentDir, { recursive: true, mode: 0o711 });
  await chmod(parentDir, 0o711);
  const dir = join(parentDir, randomBytes(18).toString('base64url'));
  await mkdir(dir, { mode: 0o755 });
  await writeFile(join(dir, BRIDGE_FILE), BRIDGE_SOURCE, { mode: 0o644 });
  await writeFile(join(dir, BRIDGE_PY_FILE), BRIDGE_PY_SOURCE, { mode: 0o644 });
  return dir;
}

/** The agent's headers without hop-by-hop ones and its placeholder token, with the real key. */
function upstreamHeaders(
  req: http.IncomingMessage,
  options: Pick<GatewayOptions, 'api' | 'apiKey'>,
  length: number,
): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers))
    if (!HOP_BY_HOP.has(k) && v !== undefined) headers[k] = v;
  if (options.api === 'anthropic') headers['x-api-key'] = options.apiKey;
  else headers.authorization = `Bearer ${options.apiKey}`;
  headers['content-length'] = String(length);
  return headers;
}

/** A request Corral refuses (a limit reached): an API-shaped 400 the agent reports and stops on. */
function refuse(res: http.ServerResponse, message: string): void {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }));
}

export async function startGateway(options: GatewayOptions): Promise<ModelGateway> {
  const dir = await makeGatewayDir(options.parentDir);
  const token = `corral-${randomBytes(24).toString('base64url')}`;
  const upstream = new URL(options.upstreamUrl);
  const client = upstream.protocol === 'https:' ? https : http;
  const pricing = options.pricing ?? DEFAULT_PRICING;
  const limits = options.limits ?? {};
  let stopped: { code: string; message: string } | undefined;
  let serverErrors = 0;
  const maxServerErrors = limits.maxConsecutiveServerErrors ?? DEFAULT_MAX_SERVER_ERRORS;

  const state: ModelGateway = {
    dir,
    token,
    usage: { inputTokens: 0, outputTokens: 0 },
    turns: 0,
    statuses: [],
    costUsd: () => costUsd(state.usage, pricing),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };

  const stop = (code: string, message: string) => {
    if (stopped) return;
    stopped = { code, message };
    options.onStop?.(stopped);
  };

  const overLimit = (): string | undefined => {
    const tokens = state.usage.inputTokens + state.usage.outputTokens;
    if (limits.maxTokens !== undefined && tokens >= limits.maxTokens)
      return `the run used ${tokens} tokens, its maxTokens is ${limits.maxTokens}; raise maxTokens if the task needs more`;
    if (limits.maxCostUsd !== undefined && state.costUsd() >= limits.maxCostUsd)
      return `the run cost $${state.costUsd().toFixed(4)}, its maxCostUsd is $${limits.maxCostUsd}; raise maxCostUsd if the task needs more`;
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const presented =
      (req.headers['x-api-key'] as string | undefined) ??
      req.headers.authorization?.replace(/^Bearer\s+/i, '');
    if (presented !== token) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'authentication_error', message: 'not this run' } }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const conversational = /"tools"\s*:\s*\[\s*\{/.test(body.toString('utf8', 0, 1 << 20));
      const over = overLimit();
      if (over || stopped) {
        stop('BUDGET_EXCEEDED', over ?? stopped!.message);
        refuse(res, `Corral: ${over ?? stopped!.message}`);
        return;
      }
      if (conversational) {
        state.turns++;
        if (limits.maxTurns !== undefined && state.turns > limits.maxTurns) {
          stop('MAX_TURNS', `the agent exceeded maxTurns (${limits.maxTurns})`);
          refuse(res, 'Corral: maxTurns reached');
          return;
        }
      }
      state.firstRequestAt ??= performance.now();
      const headers = upstreamHeaders(req, options, body.length);
      const basePath = upstream.pathname.replace(/\/$/, '');
      const out = client.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port || undefined,
          method: req.method,
          path: basePath + (req.url ?? '/'),
          headers,
        },
        (answer) => {
          const status = answer.statusCode ?? 502;
          state.statuses.push(status);
          // a refused request was no turn: the agent's retry of it must not count twice
          if (conversational && status >= 400) state.turns--;
          if (status === 401 || status === 403)
            stop('API_KEY_REFUSED', `the API key was refused by ${upstream.host} (HTTP ${status})`);
          const sse = String(answer.headers['content-type'] ?? '').includes('event-stream');
          const scanner = new UsageScanner(sse);
          // Retry-After and the rest pass through unchanged: the agent's own retry logic reads them
          res.writeHead(status, answer.headers);
          let errorBody = '';
          answer.on('data', (c: Buffer) => {
            scanner.push(c.toString('utf8'));
            if (status >= 400 && errorBody.length < 2000) errorBody += c.toString('utf8');
            res.write(c);
          });
          answer.on('end', () => {
            scanner.end();
            state.usage.inputTokens += scanner.usage.inputTokens;
            state.usage.outputTokens += scanner.usage.outputTokens;
            res.end();
            if (status >= 500) serverErrors++;
            else if (status < 400) serverErrors = 0;
            if (status >= 500 && serverErrors >= maxServerErrors) {
              stop(
                'MODEL_API_ERROR',
                `the model API at ${upstream.host} answered HTTP ${status} ${serverErrors} times in a row` +
                  ` (${upstreamMessage(errorBody)}); retry later, and check the API's status page if it persists`,
              );
            }
            const after = overLimit();
            if (after) stop('BUDGET_EXCEEDED', after);
          });
          answer.on('error', () => res.destroy());
        },
      );
      out.on('error', (e) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ type: 'error', error: { type: 'api_error', message: e.message } }),
          );
        } else res.destroy();
      });
      // the agent went away before the answer ended (not req 'close': that fires once the body is read)
      res.on('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      out.end(body);
    });
  });
  const socketPath = join(dir, GATEWAY_SOCKET);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  // the sandbox's uid differs from ours when running as root
  await chmod(socketPath, 0o666);
  return state;
}
