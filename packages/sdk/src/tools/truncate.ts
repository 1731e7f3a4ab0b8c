/**
 * Bounds text handed to a language model. A model's context is small and expensive, so output is
 * cut to a byte and a line budget; the head and the tail are kept (errors tend to be at the end)
 * and the cut is stated in the text itself, so the model knows something is missing.
 */

export interface OutputLimits {
  /** UTF-8 bytes kept at most (marker line excluded). */
  maxBytes: number;
  /** Lines kept at most (marker line excluded). */
  maxLines: number;
}

export const DEFAULT_OUTPUT_LIMITS: Readonly<OutputLimits> = Object.freeze({
  maxBytes: 16 * 1024,
  maxLines: 400,
});

export interface TruncatedText {
  /** The text as the model sees it, with a marker line where something was cut. */
  text: string;
  truncated: boolean;
  totalBytes: number;
  totalLines: number;
  omittedBytes: number;
  omittedLines: number;
}

/** Share of the budget given to the head; the rest goes to the tail. */
const HEAD_SHARE = 0.6;

export function truncateText(
  text: string,
  limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
): TruncatedText {
  checkLimits(limits);
  const totalBytes = Buffer.byteLength(text);
  const lines = splitLines(text);
  const totalLines = lines.length;
  if (totalBytes <= limits.maxBytes && totalLines <= limits.maxLines) {
    return { text, truncated: false, totalBytes, totalLines, omittedBytes: 0, omittedLines: 0 };
  }
  const headLines = Math.max(1, Math.floor(limits.maxLines * HEAD_SHARE));
  const tailLines = limits.maxLines - headLines;
  const headBytes = Math.max(1, Math.floor(limits.maxBytes * HEAD_SHARE));
  const tailBytes = limits.maxBytes - headBytes;
  let head = text;
  let tail = '';
  const lineCut = totalLines > limits.maxLines;
  if (lineCut) {
    head = lines.slice(0, headLines).join('');
    tail = tailLines > 0 ? lines.slice(totalLines - tailLines).join('') : '';
  }
  if (Buffer.byteLength(head) + Buffer.byteLength(tail) > limits.maxBytes) {
    // Without a line cut both come from the same text; headBytes + tailBytes < totalBytes keeps
    // them apart.
    const tailSource = lineCut ? tail : text;
    head = takeBytes(head, headBytes, 'head');
    tail = takeBytes(tailSource, tailBytes, 'tail');
  }
  const keptBytes = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const keptLines = splitLines(head).length + splitLines(tail).length;
  const omittedBytes = totalBytes - keptBytes;
  const omittedLines = Math.max(0, totalLines - keptLines);
  const marker = `${head.endsWith('\n') || head === '' ? '' : '\n'}[… output truncated: ${omittedBytes} of ${totalBytes} bytes and ${omittedLines} of ${totalLines} lines cut …]\n`;
  return {
    text: head + marker + tail,
    truncated: true,
    totalBytes,
    totalLines,
    omittedBytes,
    omittedLines,
  };
}

function checkLimits(limits: OutputLimits): void {
  for (const key of ['maxBytes', 'maxLines'] as const) {
    const value = limits[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${value}`);
    }
  }
}

/** Lines with their terminators; a final line without `\n` counts as a line. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.split(/(?<=\n)/);
}

/** At most `maxBytes` UTF-8 bytes from the start (`head`) or end (`tail`), never splitting a character. */
function takeBytes(text: string, maxBytes: number, from: 'head' | 'tail'): string {
  if (maxBytes <= 0) return '';
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return text;
  if (from === 'head') {
    let end = maxBytes;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    return bytes.subarray(0, end).toString('utf8');
  }
  let start = bytes.length - maxBytes;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
