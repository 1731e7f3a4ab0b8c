/**
 * A scripted model API on loopback for the agent tests: it speaks enough of the Anthropic
 * Messages API (streaming SSE with tool_use) and of the OpenAI Responses API (streaming) for the
 * real Claude Code and Codex binaries to run a whole session against it. The script decides
 * what the "model" says next; every request is recorded (headers included) so tests can check
 * what reached the "real API" — e.g. that the key was added on the way out of the sandbox.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One step of the model's side of the conversation. */
export type ScriptStep = (
  | { text: string; thinking?: string }
  | { tool: string; input: Record<string, unknown>; text?: string }
  /** A freeform ("custom") tool call, e.g. Codex's `apply_patch` taking the patch text (OpenAI only). */
  | { custom: string; input: string; text?: string }
  /** An HTTP error answer (e.g. 500, 429 with retryAfterS, 401). */
  | { status: number; retryAfterS?: number; message?: string }
  /** Accept the request and never answer (the agent hangs waiting). */
  | { hang: true }
  /** Start a streamed answer (Anthropic `message_start`, OpenAI `response.created`), then stall. */
  | { stall: true }
) & {
  /**
   * Awaited before the step is answered: the agent is then blocked on this request, so its
   * whole process tree is alive and still (e.g. for a host-side look at the sandbox).
   */
  before?: (request: RecordedRequest) => Promise<void>;
};

export interface RecordedRequest {
  api: 'anthropic' | 'openai';
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Whether the request was part of the scripted conversation (it carried tools). */
  scripted: boolean;
  /** performance.now() when the request arrived and when its answer was sent (if it was). */
  receivedAt: number;
  answeredAt?: number;
  /** The HTTP status this server answered with. */
  status?: number;
}

export interface ModelServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The key every request must carry (x-api-key or Bearer); others get 401. */
  readonly key: string;
  /**
   * Replaces the script; the next conversational request takes its first step. Once the steps
   * are used up every conversational request gets `then` (default: the text "Done.").
   */
  setScript(steps: ScriptStep[], options?: { then?: ScriptStep }): void;
  /** Resolves when the next conversational request arrives. */
  nextRequest(): Promise<RecordedRequest>;
  /** Answers held open by `hang`/`stall` steps whose client has not gone away. */
  readonly openStalls: number;
  close(): Promise<void>;
}

export interface ModelServerOptions {
  key: string;
  steps?: ScriptStep[];
  /** Input/output tokens reported per answer. */
  usage?: { input: number; output: number };
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  let steps = [...(options.steps ?? [])];
  let then: ScriptStep = { text: 'Done.' };
  const requests: RecordedRequest[] = [];
  const waiters: ((r: RecordedRequest) => void)[] = [];
  const hanging = new Set<http.ServerResponse>();
  const usage = options.usage ?? { input: 100, output: 20 };
  let counter = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      } catch {
        // not JSON: recorded as empty
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const api = path.includes('/responses') ? 'openai' : 'anthropic';
      const tools = body.tools;
      // Codex 0.171 sends its tools as an `additional_tools` input item, not as `tools`
      const input = Array.isArray(body.input) ? (body.input as { type?: unknown }[]) : [];
      const scripted =
        (path.endsWith('/messages') || path.endsWith('/responses')) &&
        ((Array.isArray(tools) && tools.length > 0) ||
          input.some((item) => item?.type === 'additional_tools'));
      const recorded: RecordedRequest = {
        api,
        path,
        headers: req.headers,
        body,
        scripted,
        receivedAt: performance.now(),
      };
      requests.push(recorded);
      res.on('finish', () => {
        recorded.answeredAt = performance.now();
        recorded.status = res.statusCode;
      });
      const presented =
        (req.headers['x-api-key'] as string | undefined) ??
        req.headers.authorization?.replace(/^Bearer /, '');
      if (presented !== options.key) {
        return sendError(res, api, 401, 'invalid x-api-key');
      }
      if (path.endsWith('/count_tokens')) {
        return json(res, 200, { input_tokens: usage.input });
      }
      if (!path.endsWith('/messages') && !path.endsWith('/responses')) {
        return json(res, 404, { error: { type: 'not_found_error', message: `no route ${path}` } });
      }
      if (scripted) waiters.splice(0).forEach((w) => w(recorded));
      const step: ScriptStep = scripted ? (steps.shift() ?? then) : { text: 'Corral test' };
      if (step.before) {
        step.before(recorded).then(
          () => answer(res, api, step, body),
          (error: unknown) =>
            sendError(res, api, 500, `scripted before() failed: ${String(error)}`),
        );
      } else {
        answer(res, api, step, body);
      }
    });
  });

  function answer(
    res: http.ServerResponse,
    api: 'anthropic' | 'openai',
    step: ScriptStep,
    body: Record<string, unknown>,
  ) {
    if ('status' in step) {
      const headers: Record<string, string> = {};
      if (step.retryAfterS !== undefined) headers['retry-after'] = String(step.retryAfterS);
      return sendError(res, api, step.status, step.message ?? `scripted ${step.status}`, headers);
    }
    if ('hang' in step || 'stall' in step) {
      hanging.add(res);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => hanging.delete(res));
      if ('stall' in step) {
        if (api === 'openai')
          sse(res, 'response.created', {
            type: 'response.created',
            sequence_number: 0,
            response: { id: 'resp_stall', object: 'response', status: 'in_progress', output: [] },
          });
        else
          sse(res, 'message_start', {
            type: 'message_start',
            message: {
              id: 'msg_stall',
              type: 'message',
              role: 'assistant',
              model: typeof body.model === 'string' ? body.model : 'claude-test',
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: usage.input, output_tokens: 1 },
            },
          });
      }
      return;
    }
    counter++;
    if (api === 'openai') openaiStream(res, step, counter, usage);
    else if ('custom' in step) sendError(res, api, 500, 'custom tool steps are OpenAI only');
    else anthropicStream(res, step, counter, body, usage);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    key: options.key,
    setScript(next, scriptOptions = {}) {
      steps = [...next];
      then = scriptOptions.then ?? { text: 'Done.' };
    },
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    get openStalls() {
      return hanging.size;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: http.ServerResponse,
  api: 'anthropic' | 'openai',
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  const type =
    status === 401
      ? 'authentication_error'
      : status === 429
        ? 'rate_limit_error'
        : status >= 500
          ? 'api_error'
          : 'invalid_request_error';
  if (api === 'anthropic') json(res, status, { type: 'error', error: { type, message } }, headers);
  else json(res, status, { error: { type, message, code: type } }, headers);
}

function sse(res: http.ServerResponse, event: string, data: unknown, named = true) {
  res.write(`${named ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}

function anthropicStream(
  res: http.ServerResponse,
  step: Extract<ScriptStep, { text: string } | { tool: string }>,
  n: number,
  body: Record<string, unknown>,
  usage: { input: number; output: number },
) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': `req_${n}` });
  const model = typeof body.model === 'string' ? body.model : 'claude-test';
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: 1 },
    },
  });
  let index = 0;
  const text = (t: string) => {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'text', text: '' },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'text_delta', text: t },
    });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  };
  if ('thinking' in step && step.thinking) {
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'thinking_delta', thinking: step.thinking },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'signature_delta', signature: 'c2lnbmF0dXJl' },
    });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  if ('text' in step && step.text) text(step.text);
  let stop = 'end_turn';
  if ('tool' in step) {
    stop = 'tool_use';
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: `toolu_${n}`, name: step.tool, input: {} },
    });
    sse(res, 'content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(step.input) },
    });
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  }
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: usage.output },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function openaiStream(
  res: http.ServerResponse,
  step: Extract<ScriptStep, { text: string } | { tool: string } | { custom: string }>,
  n: number,
  usage: { input: number; output: number },
) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const id = `resp_${n}`;
  let seq = 0;
  const send = (type: string, rest: Record<string, unknown>) =>
    sse(res, type, { type, sequence_number: seq++, ...rest });
  send('response.created', {
    response: { id, object: 'response', status: 'in_progress', output: [] },
  });
  const output: Record<string, unknown>[] = [];
  if ('text' in step && step.text) {
    const item = {
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: step.text, annotations: [] }],
    };
    send('response.output_item.added', {
      output_index: output.length,
      item: { ...item, status: 'in_progress', content: [] },
    });
    send('response.output_text.delta', {
      item_id: item.id,
      output_index: output.length,
      content_index: 0,
      delta: step.text,
    });
    send('response.output_item.done', { output_index: output.length, item });
    output.push(item);
  }
  if ('tool' in step) {
    const item = {
      id: `fc_${n}`,
      type: 'function_call',
      status: 'completed',
      call_id: `call_${n}`,
      name: step.tool,
      arguments: JSON.stringify(step.input),
    };
    send('response.output_item.added', { output_index: output.length, item });
    send('response.output_item.done', { output_index: output.length, item });
    output.push(item);
  }
  if ('custom' in step) {
    const item = {
      id: `ctc_${n}`,
      type: 'custom_tool_call',
      status: 'completed',
      call_id: `call_${n}`,
      name: step.custom,
      input: step.input,
    };
    send('response.output_item.added', { output_index: output.length, item });
    send('response.output_item.done', { output_index: output.length, item });
    output.push(item);
  }
  send('response.completed', {
    response: {
      id,
      object: 'response',
      status: 'completed',
      output,
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    },
  });
  res.end();
}
