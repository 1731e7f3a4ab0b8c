import type { Paint } from '../../output/style.js';
import type { CheckResult, CheckStatus } from './types.js';

const SYMBOLS: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };
const WORDS: Record<CheckStatus, string> = { ok: 'ok', warn: 'warn', fail: 'fail', skip: 'skip' };
const COLOURS = { ok: 'green', warn: 'yellow', fail: 'red', skip: 'dim' } as const;

export interface Summary {
  ok: number;
  warn: number;
  fail: number;
  skip: number;
}

export function summarize(results: readonly CheckResult[]): Summary {
  const summary: Summary = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) summary[r.status] += 1;
  return summary;
}

/**
 * The doctor's table: status, check, detail, with a `fix:` line under every warning and failure.
 * Symbols and colour on a terminal; plain words otherwise (NO_COLOR, pipes), so it greps well.
 */
export function renderTable(
  results: readonly CheckResult[],
  options: { interactive: boolean; paint: Paint },
): string {
  const mark = (status: CheckStatus): string =>
    options.interactive ? SYMBOLS[status] : WORDS[status];
  const markWidth = Math.max(...results.map((r) => mark(r.status).length), 'STATUS'.length);
  const titleWidth = Math.max(...results.map((r) => r.title.length), 'CHECK'.length);
  const indent = ' '.repeat(markWidth + 2 + titleWidth + 2);
  const lines = [`${'STATUS'.padEnd(markWidth)}  ${'CHECK'.padEnd(titleWidth)}  DETAIL`];
  for (const r of results) {
    const cell = options.paint(COLOURS[r.status], mark(r.status).padEnd(markWidth));
    lines.push(`${cell}  ${r.title.padEnd(titleWidth)}  ${r.detail}`.trimEnd());
    if (r.fix !== undefined && (r.status === 'fail' || r.status === 'warn')) {
      lines.push(`${indent}${options.paint('dim', `fix: ${r.fix}`)}`);
    }
  }
  return lines.join('\n');
}

export function summaryLine(summary: Summary): string {
  const parts = [
    `${summary.fail} failed`,
    `${summary.warn} warning${summary.warn === 1 ? '' : 's'}`,
    `${summary.ok} ok`,
    ...(summary.skip > 0 ? [`${summary.skip} skipped`] : []),
  ];
  return parts.join(', ');
}
