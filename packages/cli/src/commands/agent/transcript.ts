/**
 * The human view of an agent's event stream: each tool call folded to one line (printed when
 * its result arrives, with ✓/✗), the agent's text as it comes, a spinner while the model is
 * thinking, and nothing of the raw protocol. `--json` bypasses this and prints the events.
 */
import type { AgentEvent } from '@corral/agents';
import type { Spinner } from '../../output/spinner.js';
import type { Ui } from '../../output/ui.js';

const LINE_MAX = 100;

export class Transcript {
  private readonly calls = new Map<string, string>();
  /** The last text is held back one event: in plan mode it is the plan, printed as such. */
  private heldText: string | undefined;
  private spinner: Spinner | undefined;
  private sessionId: string | undefined;

  constructor(private readonly ui: Ui) {}

  /** Shows the spinner (model or tool at work) until the next line is printed. */
  waiting(text: string): void {
    this.spinner?.stop();
    this.spinner = this.ui.spin(text);
  }

  stop(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  event(event: AgentEvent): void {
    if (event.type === 'plan.ready') {
      if (this.heldText === event.plan) this.heldText = undefined;
      this.flush();
      this.print(this.ui.paint('bold', '── Plan'));
      this.print(event.plan);
      this.print(this.ui.paint('bold', '──'));
      return;
    }
    // usage comes between the last text and plan.ready; it prints nothing, so it keeps the hold
    if (event.type === 'usage') return;
    this.flush();
    switch (event.type) {
      case 'session.started': {
        const resumed = event.sessionId !== '' && event.sessionId === this.sessionId;
        this.sessionId = event.sessionId;
        this.print(
          this.ui.paint(
            'dim',
            `● ${resumed ? 'resumed ' : ''}session ${event.sessionId}${event.model ? ` (${event.model})` : ''}`,
          ),
        );
        this.waiting('Thinking…');
        break;
      }
      case 'assistant.text':
        this.heldText = event.text;
        this.waiting('Thinking…');
        break;
      case 'thinking':
        this.print(this.ui.paint('dim', `  thinking: ${oneLine(event.text)}`));
        break;
      case 'tool.call':
        this.calls.set(event.id, `${event.name}${summarise(event.input)}`);
        this.waiting(`${event.name}${summarise(event.input)}`);
        break;
      case 'tool.result': {
        const call = this.calls.get(event.id) ?? 'tool';
        this.calls.delete(event.id);
        this.print(
          event.ok
            ? `${this.ui.paint('green', '✓')} ${call}`
            : `${this.ui.paint('red', '✗')} ${call}${this.ui.paint('dim', ` — ${oneLine(event.output)}`)}`,
        );
        this.waiting('Thinking…');
        break;
      }
      case 'file.changed':
        this.print(`  ${CHANGE_MARK[event.change]} ${event.path}`);
        break;
      case 'error':
        this.print(
          event.fatal
            ? `${this.ui.paint('red', 'error:')} ${event.message}`
            : this.ui.paint('yellow', `warning: ${event.message}`),
        );
        break;
      case 'result':
      case 'awaiting.approval':
        this.stop();
        break;
    }
  }

  /** Prints what is held back (the run ended). */
  flush(): void {
    if (this.heldText === undefined) return;
    const text = this.heldText;
    this.heldText = undefined;
    this.print(text);
  }

  private print(line: string): void {
    this.stop();
    this.ui.data(line);
  }
}

const CHANGE_MARK = { added: 'A', modified: 'M', deleted: 'D' } as const;

/** The one argument that says what a call does (a path, a command, a pattern), else its JSON. */
function summarise(input: unknown): string {
  if (typeof input === 'string') return ` ${clip(oneLine(input))}`;
  if (!input || typeof input !== 'object') return '';
  const record = input as Record<string, unknown>;
  for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description']) {
    const value = record[key];
    if (typeof value === 'string') return ` ${clip(oneLine(value))}`;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      return ` ${clip(oneLine(value.join(' ')))}`;
  }
  const json = JSON.stringify(input);
  return json === '{}' ? '' : ` ${clip(json)}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string): string {
  return text.length > LINE_MAX ? `${text.slice(0, LINE_MAX - 1)}…` : text;
}
