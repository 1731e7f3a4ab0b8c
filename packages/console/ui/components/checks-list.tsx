import type { Check, CheckDone } from '../types.js';

const symbol: Record<Check['status'], string> = {
  running: '…',
  ok: '✓',
  warn: '!',
  fail: '✕',
  skip: '–',
};

/** Test connection's checks, one live indicator each, with the fix under every failure. */
export function ChecksList(props: { checks: Check[]; done: CheckDone | null; running: boolean }) {
  const { checks, done, running } = props;
  return (
    <section class="checks" aria-labelledby="checks-title">
      <h2 id="checks-title">Connection checks</h2>
      <p class="checks-summary" role="status" aria-live="polite" data-testid="checks-summary">
        {running && 'Testing…'}
        {!running && done !== null && (done.ok ? 'All checks passed' : 'Some checks failed')}
        {done !== null &&
          ` — ${done.counts.ok} ok, ${done.counts.warn} warnings, ${done.counts.fail} failed, ${done.counts.skip} skipped`}
        {!running && done === null && checks.length === 0 && 'Not tested yet.'}
      </p>
      <ul class="check-list">
        {checks.map((c) => (
          <li key={c.id} class={`check check-${c.status}`} data-check={c.id} data-status={c.status}>
            <span class="indicator" role="img" aria-label={c.status}>
              {symbol[c.status]}
            </span>
            <span class="check-title">{c.title}</span>
            <span class="check-detail">{c.detail}</span>
            {c.fix !== null && (c.status === 'fail' || c.status === 'warn') && (
              <span class="check-fix">
                <strong>Fix:</strong> {c.fix}
              </span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
