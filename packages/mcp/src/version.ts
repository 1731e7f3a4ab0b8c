import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** This package's version, reported to clients in `initialize`. */
export function serverVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cached;
}
