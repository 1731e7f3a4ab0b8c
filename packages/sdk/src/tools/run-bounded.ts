import { compact } from '../compact.js';
import type { Commands } from '../runner-client/index.js';
import { DEFAULT_OUTPUT_LIMITS, truncateText } from './truncate.js';
import type { OutputLimits, TruncatedText } from './truncate.js';

export interface BoundedRunOptions {
  /** Kills the command's process group when it passes; the result says `timedOut`. */
  timeoutMs: number;
  /** Bounds each of stdout and stderr in the result, and the streamed output in total. */
  limits?: OutputLimits;
  cwd?: string;
  env?: Record<string, string>;
  /**
   * Output as it arrives, for progress notifications. Stops after `limits.maxBytes` streamed
   * bytes; then one last call says how much more is not streamed (the result still has the tail).
   */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void | Promise<void>;
  /** Aborting kills the command. */
  signal?: AbortSignal;
}

export interface BoundedRunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stdout: TruncatedText;
  stderr: TruncatedText;
}

/**
 * Runs a command inside a sandbox for a tool call: always with a timeout, output bounded for a
 * model. A non-zero exit and a timeout are results, not errors.
 */
export async function runBounded(
  commands: Pick<Commands, 'run'>,
  cmd: string | readonly string[],
  options: BoundedRunOptions,
): Promise<BoundedRunResult> {
  const limits = options.limits ?? DEFAULT_OUTPUT_LIMITS;
  const forward = options.onOutput ? streamBudget(limits.maxBytes, options.onOutput) : undefined;
  const result = await commands.run(cmd, {
    timeoutMs: options.timeoutMs,
    ...compact({ cwd: options.cwd, env: options.env, signal: options.signal }),
    ...(forward
      ? {
          onStdout: (text: string) => forward('stdout', text),
          onStderr: (text: string) => forward('stderr', text),
        }
      : {}),
  });
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    stdout: truncateText(result.stdout, limits),
    stderr: truncateText(result.stderr, limits),
  };
}

function streamBudget(
  maxBytes: number,
  onOutput: NonNullable<BoundedRunOptions['onOutput']>,
): (stream: 'stdout' | 'stderr', text: string) => Promise<void> {
  let sent = 0;
  let stopped = false;
  return async (stream, text) => {
    if (stopped) return;
    const bytes = Buffer.byteLength(text);
    if (sent + bytes <= maxBytes) {
      sent += bytes;
      await onOutput(stream, text);
      return;
    }
    stopped = true;
    await onOutput(
      stream,
      `\n[… streamed output stops after ${maxBytes} bytes; the result keeps the head and tail …]\n`,
    );
  };
}

/** The result as text for a model: status line, then each non-empty stream. */
export function describeRun(result: BoundedRunResult, timeoutMs: number): string {
  const status = result.timedOut
    ? `Command timed out after ${timeoutMs} ms and was killed (with its whole process group).`
    : result.exitCode === null
      ? `Command was killed by ${result.signal ?? 'a signal'} after ${result.durationMs} ms.`
      : `Command exited with code ${result.exitCode} after ${result.durationMs} ms.`;
  const parts = [status];
  for (const [name, out] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
  ] as const) {
    if (out.totalBytes > 0) parts.push(`--- ${name} ---\n${out.text}`);
  }
  if (result.stdout.totalBytes === 0 && result.stderr.totalBytes === 0) parts.push('(no output)');
  return parts.join('\n');
}
