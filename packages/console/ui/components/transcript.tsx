import { useLayoutEffect, useRef } from 'preact/hooks';
import type { AgentEvent } from '../types.js';

function oneLine(value: unknown, max = 120): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function Entry(props: { event: AgentEvent; result: AgentEvent | undefined }) {
  const { event, result } = props;
  switch (event.type) {
    case 'assistant.text':
      return <div class="t-text">{event.text}</div>;
    case 'thinking':
      return <div class="t-thinking">{event.text}</div>;
    case 'tool.call': {
      const ok = result?.type === 'tool.result' ? result.ok : null;
      return (
        <details class={`t-tool t-tool-${ok === null ? 'pending' : ok ? 'ok' : 'fail'}`}>
          <summary>
            <span class="t-tool-name">{event.name}</span> {oneLine(event.input)}
          </summary>
          <pre>{JSON.stringify(event.input, null, 2)}</pre>
          {result?.type === 'tool.result' && (
            <pre class="t-tool-output">
              {result.output}
              {result.truncated ? '\n… (truncated)' : ''}
            </pre>
          )}
        </details>
      );
    }
    case 'file.changed':
      return (
        <div class="t-meta">
          {event.change} {event.path}
        </div>
      );
    case 'usage':
      return (
        <div class="t-meta t-usage">
          usage: {event.inputTokens} in / {event.outputTokens} out
          {event.costUsd === undefined ? '' : ` · $${event.costUsd.toFixed(4)}`}
        </div>
      );
    case 'plan.ready':
      return (
        <div class="t-plan">
          <strong>Plan</strong>
          <div>{event.plan}</div>
        </div>
      );
    case 'awaiting.approval':
      return <div class="t-meta">waiting for approval</div>;
    case 'error':
      return (
        <div class="t-error">
          {event.code}: {event.message}
        </div>
      );
    case 'result':
      return (
        <div class={`t-result ${event.ok ? 't-ok' : 't-fail'}`}>
          {event.ok ? 'finished' : 'failed'} (exit {event.exitCode ?? '–'},{' '}
          {Math.round(event.durationMs)} ms)
        </div>
      );
    case 'status':
      return <div class="t-meta">status → {event.status.replace('_', ' ')}</div>;
    case 'session.started':
      return <div class="t-meta">session started{event.model ? ` (${event.model})` : ''}</div>;
    default:
      return null;
  }
}

/**
 * The live transcript in a fixed-height pane: new lines never move the layout around it, and the
 * pane follows the end only while the reader is at the end (scrolling up stops following).
 */
export function Transcript(props: { events: AgentEvent[] }) {
  const pane = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  useLayoutEffect(() => {
    const el = pane.current;
    if (el !== null && follow.current) el.scrollTop = el.scrollHeight;
  }, [props.events.length]);
  const results = new Map<string, AgentEvent>();
  for (const e of props.events) if (e.type === 'tool.result') results.set(e.id, e);
  return (
    <div
      ref={pane}
      class="transcript"
      role="log"
      aria-label="Agent transcript"
      aria-live="polite"
      tabIndex={0}
      data-testid="transcript"
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {props.events.length === 0 && <div class="t-meta">No events yet.</div>}
      {props.events
        .filter((e) => e.type !== 'tool.result')
        .map((e, i) => (
          <Entry
            key={e.seq ?? i}
            event={e}
            result={e.type === 'tool.call' ? results.get(e.id) : undefined}
          />
        ))}
    </div>
  );
}
