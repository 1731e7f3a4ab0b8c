/** Reading the agents' JSON-lines output: one object per line, anything else skipped. */
export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** The line as a JSON object, or undefined for a line that is not one (agents print others). */
export function jsonLine(line: string): Json | undefined {
  try {
    return obj(JSON.parse(line));
  } catch {
    return undefined;
  }
}
