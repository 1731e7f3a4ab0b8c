/**
 * Token counting on the gateway: reads usage from the model API's answers as they stream past
 * (Anthropic SSE `message_start`/`message_delta`, OpenAI `response.completed`, or a JSON body).
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** USD per million tokens; a conservative default when the model is unknown. */
export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
}

export const DEFAULT_PRICING: Pricing = { inputPerMTok: 15, outputPerMTok: 75 };

export function costUsd(usage: Usage, pricing: Pricing): number {
  return (
    (usage.inputTokens * pricing.inputPerMTok + usage.outputTokens * pricing.outputPerMTok) / 1e6
  );
}

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Feeds response text in chunks; `usage` holds what was seen so far. */
export class UsageScanner {
  readonly usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private buffer = '';

  constructor(private readonly sse: boolean) {}

  push(chunk: string): void {
    this.buffer += chunk;
    if (!this.sse) return;
    let at: number;
    while ((at = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, at).trim();
      this.buffer = this.buffer.slice(at + 1);
      if (line.startsWith('data:')) this.scan(line.slice(5).trim());
    }
  }

  end(): void {
    if (!this.sse) this.scan(this.buffer);
    this.buffer = '';
  }

  private scan(text: string): void {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const type = value.type;
    const message = value.message as { usage?: Record<string, unknown> } | undefined;
    if (type === 'message_start' && message?.usage) {
      const u = message.usage;
      this.usage.inputTokens +=
        n(u.input_tokens) + n(u.cache_creation_input_tokens) + n(u.cache_read_input_tokens);
    } else if (type === 'message_delta') {
      this.usage.outputTokens += n(
        (value.usage as Record<string, unknown> | undefined)?.output_tokens,
      );
    } else if (type === 'response.completed') {
      const u = (value.response as { usage?: Record<string, unknown> } | undefined)?.usage ?? {};
      this.usage.inputTokens += n(u.input_tokens);
      this.usage.outputTokens += n(u.output_tokens);
    } else if (type === 'message' || value.object === 'response') {
      const u = (value.usage as Record<string, unknown> | undefined) ?? {};
      this.usage.inputTokens += n(u.input_tokens);
      this.usage.outputTokens += n(u.output_tokens);
    }
  }
}
