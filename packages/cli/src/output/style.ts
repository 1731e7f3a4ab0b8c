import type { CliContext, OutputStream } from '../context.js';

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'cyan';

const CODES: Record<Style, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

/** Colour and animation only for a person at a terminal: never with NO_COLOR, TERM=dumb or a pipe. */
export function isInteractive(stream: OutputStream, env: CliContext['env']): boolean {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return stream.isTTY === true && !noColor && env.TERM !== 'dumb';
}

export type Paint = (style: Style, text: string) => string;

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => `\u001b[${CODES[style][0]}m${text}\u001b[${CODES[style][1]}m`;
}
