/** The bearer token: generated on first start, kept in `<stateDir>/server-token` with mode 0600. */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export function tokenFile(stateDir: string): string {
  return join(stateDir, 'server-token');
}

/** The stored token, or a new one written exclusively (0600); `created` says which. */
export async function loadOrCreateToken(
  stateDir: string,
): Promise<{ token: string; created: boolean }> {
  const file = tokenFile(stateDir);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.trim() !== '') {
    await chmod(file, 0o600);
    return { token: existing.trim(), created: false };
  }
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, created: true };
}
