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

/** One table row: a check, or several skipped/warned checks that say the same thing. */
interface Row {
  status: CheckStatus;
  title: string;
  detail: string;
  fix?: string | undefined;
}

/**
 * Checks with the same status, detail and fix (13 checks skipped because the cluster is
 * unreachable, 10 RBAC checks that could not ask) become one row naming them, so the table
 * shows each distinct problem once. Only skips and warnings merge; `-o json` keeps every check.
 */
export function collapseRows(results: readonly CheckResult[]): Row[] {
  const groups = new Map<string, CheckResult[]>();
  const order: (CheckResult | CheckResult[])[] = [];
  for (const r of results) {
    if (r.status !== 'skip' && r.status !== 'warn') {
      order.push(r);
      continue;
    }
    const key = `${r.status}\0${r.detail}\0${r.fix ?? ''}`;
    const group = groups.get(key);
    if (group !== undefined) {
      group.push(r);
      continue;
    }
    const fresh = [r];
    groups.set(key, fresh);
    order.push(fresh);
  }
  return order.map((entry) => {
    if (!Array.isArray(entry)) return entry;
    const first = entry[0]!;
    if (entry.length === 1) return first;
    return {
      status: first.status,
      title: groupTitle(entry),
      detail: `${first.detail} (${entry.map(memberName).join('; ')})`,
      fix: first.fix,
    };
  });
}

/** `rbac (10)` when the titles share their first word, else `13 checks`. */
function groupTitle(group: readonly CheckResult[]): string {
  const firstWords = new Set(group.map((r) => r.title.split(' ')[0]));
  const [word] = [...firstWords];
  return firstWords.size === 1 && word !== undefined && word !== group[0]!.title
    ? `${word} (${group.length})`
    : `${group.length} checks`;
}

/** What a merged check was about: `get, list sandboxes.agents.x-k8s.io` for RBAC, else its title. */
function memberName(r: CheckResult): string {
  const resource = r.data?.resource;
  const verbs = r.data?.verbs;
  if (typeof resource === 'string' && Array.isArray(verbs))
    return `${verbs.join(', ')} ${resource}`;
  return r.title;
}

/**
 * The doctor's table: status, check, detail, with a `fix:` line under every warning and failure.
 * Symbols and colour on a terminal; plain words otherwise (NO_COLOR, pipes), so it greps well.
 */
export function renderTable(
  results: readonly CheckResult[],
  options: { interactive: boolean; paint: Paint },
): string {
  const rows = collapseRows(results);
  const mark = (status: CheckStatus): string =>
    options.interactive ? SYMBOLS[status] : WORDS[status];
  const markWidth = Math.max(...rows.map((r) => mark(r.status).length), 'STATUS'.length);
  const titleWidth = Math.max(...rows.map((r) => r.title.length), 'CHECK'.length);
  const indent = ' '.repeat(markWidth + 2 + titleWidth + 2);
  const lines = [`${'STATUS'.padEnd(markWidth)}  ${'CHECK'.padEnd(titleWidth)}  DETAIL`];
  for (const r of rows) {
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
