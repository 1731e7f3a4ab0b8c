/** `--token-file-once`: the token is read, then the file is gone before the runner listens. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';

describe('--token-file-once', () => {
  it('reads the token and removes the file; a missing file is a config error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-token-'));
    try {
      const file = join(dir, '.runner-token');
      await writeFile(file, 'secret-token\n', { mode: 0o400 });
      const config = parseConfig(['--token-file-once', file], {}, dir);
      expect(config.token).toBe('secret-token');
      expect(existsSync(file)).toBe(false);
      expect(() => parseConfig(['--token-file-once', file], {}, dir)).toThrow(ConfigError);
      expect(() => parseConfig(['--token-file-once', file], {}, dir)).toThrow(
        /cannot read and remove/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
