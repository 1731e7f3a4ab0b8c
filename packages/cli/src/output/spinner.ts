import type { OutputStream } from '../context.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;
const CLEAR_LINE = '\r\u001b[2K';

export interface Spinner {
  /** Replaces the spinner's text while it keeps turning. */
  update(text: string): void;
  /** Clears the spinner line; idempotent. */
  stop(): void;
}

/** A one-line spinner on a TTY. The timer is unref'd so a forgotten spinner never holds the process. */
export function startSpinner(stream: OutputStream, text: string): Spinner {
  let frame = 0;
  let current = text;
  const draw = (): void => {
    stream.write(`${CLEAR_LINE}${FRAMES[frame % FRAMES.length] ?? ''} ${current}`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, FRAME_MS);
  timer.unref();
  let stopped = false;
  return {
    update(next) {
      current = next;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write(CLEAR_LINE);
    },
  };
}

export const noSpinner: Spinner = { update() {}, stop() {} };
