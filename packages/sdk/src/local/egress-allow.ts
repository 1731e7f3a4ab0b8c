/**
 * Allow-list entries: `name`, `*.suffix`, each optionally `:port`. Without a port an entry allows
 * the web ports only (80, 443): an allowed name must not open every service on its host.
 */
export interface AllowEntry {
  /** Lower-case name or `*.suffix`, no trailing dot. */
  pattern: string;
  ports: readonly number[];
}

export const DEFAULT_ALLOWED_PORTS: readonly number[] = [80, 443];

const ENTRY = /^((?:\*\.)?[a-z0-9_.-]+?)\.?(?::(\d{1,5}))?$/i;

/** Undefined for an entry that is not `name[:port]` with a port of 1-65535. */
export function parseAllowEntry(entry: string): AllowEntry | undefined {
  const match = ENTRY.exec(entry);
  if (!match?.[1]) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && !(port >= 1 && port <= 65535)) return undefined;
  return {
    pattern: match[1].toLowerCase(),
    ports: port === undefined ? DEFAULT_ALLOWED_PORTS : [port],
  };
}
