import type { CliContext } from '../context.js';
import { noSpinner, startSpinner } from './spinner.js';
import type { Spinner } from './spinner.js';
import { isInteractive, painter } from './style.js';
import type { Paint } from './style.js';

/**
 * Where a command's output goes. Data goes to stdout, status and progress to stderr; with
 * `--json`, stdout carries exactly one JSON document and status lines are dropped.
 */
export interface Ui {
  readonly json: boolean;
  /** A person at a terminal: colours and spinners are on. */
  readonly interactive: boolean;
  readonly paint: Paint;
  /** A status line on stderr (dropped with `--json`). */
  status(line: string): void;
  /** A spinner on stderr, only on an interactive terminal without `--json`. */
  spin(text: string): Spinner;
  /** A line of data on stdout (human mode). */
  data(line: string): void;
  /** The one JSON document of a `--json` run. */
  result(value: unknown): void;
}

export function createUi(ctx: CliContext, options: { json: boolean }): Ui {
  const interactive = !options.json && isInteractive(ctx.stderr, ctx.env);
  return {
    json: options.json,
    interactive,
    paint: painter(interactive),
    status(line) {
      if (!options.json) ctx.stderr.write(`${line}\n`);
    },
    spin(text) {
      return interactive ? startSpinner(ctx.stderr, text) : noSpinner;
    },
    data(line) {
      ctx.stdout.write(`${line}\n`);
    },
    result(value) {
      ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
