import { InvalidArgumentError } from '@corral/sdk';
import { describe, expect, it } from 'vitest';
import { toCreateOptions } from '../../src/commands/create-options.js';
import { parseCpPair } from '../../src/parse/cp-spec.js';
import { parseDuration } from '../../src/parse/duration.js';
import { parseEnvPairs } from '../../src/parse/env.js';
import { parseNetwork } from '../../src/parse/network.js';
import { parseSize } from '../../src/parse/size.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5m', 90_000],
    ['2h', 7_200_000],
    ['1m30s', 90_000],
  ])('%s is %d ms', (input, ms) => {
    expect(parseDuration(input, '--timeout')).toBe(ms);
  });

  it.each(['30', '', '5x', '-1s', '0s', 's'])('refuses %j and names the units', (input) => {
    expect(() => parseDuration(input, '--timeout')).toThrow(/--timeout .*ms, s, m or h/);
  });
});

describe('parseSize', () => {
  it.each([
    ['512m', 512 * 1024 ** 2],
    ['1g', 1024 ** 3],
    ['256MiB', 256 * 1024 ** 2],
    ['64k', 65_536],
    ['1000', 1000],
  ])('%s is %d bytes', (input, bytes) => {
    expect(parseSize(input, '--memory')).toBe(bytes);
  });

  it('refuses an unknown unit and lists the accepted ones', () => {
    const error = (() => {
      try {
        parseSize('12q', '--memory');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/--memory "12q" .*b, k, m, g.*e\.g\. 512m/);
  });
});

describe('parseNetwork', () => {
  it('accepts the three forms', () => {
    expect(parseNetwork('none')).toBe('none');
    expect(parseNetwork('full')).toBe('full');
    expect(parseNetwork('allow=a.com, *.b.org')).toEqual({ allow: ['a.com', '*.b.org'] });
  });

  it.each(['open', 'allow=', 'allow'])('refuses %j', (input) => {
    expect(() => parseNetwork(input)).toThrow(/Use none, full, or allow=/);
  });
});

describe('parseEnvPairs', () => {
  it('keeps everything after the first = and lets later flags win', () => {
    expect(parseEnvPairs(['A=1', 'B=x=y', 'A=2'])).toEqual({ A: '2', B: 'x=y' });
  });

  it.each(['A', '1A=x', '=x'])('refuses %j', (pair) => {
    expect(() => parseEnvPairs([pair])).toThrow(/NAME=VALUE/);
  });
});

describe('parseCpPair', () => {
  it('reads <id>:<path> on either side', () => {
    expect(parseCpPair('./in.txt', 'sbx-1:dir/in.txt')).toEqual({
      from: { kind: 'local', path: './in.txt' },
      to: { kind: 'sandbox', id: 'sbx-1', path: 'dir/in.txt' },
    });
    expect(parseCpPair('sbx-1:/work/out', '/tmp/out').from).toEqual({
      kind: 'sandbox',
      id: 'sbx-1',
      path: '/work/out',
    });
  });

  it('needs exactly one sandbox side', () => {
    expect(() => parseCpPair('a.txt', 'b.txt')).toThrow(/names a sandbox/);
    expect(() => parseCpPair('x:a', 'y:b')).toThrow(/Both sides/);
    expect(() => parseCpPair('x:', 'b')).toThrow(/no path after the colon/);
  });
});

describe('toCreateOptions', () => {
  const base = { provider: 'local', network: 'none', env: [], label: [] };

  it('turns flags into SDK options', () => {
    expect(
      toCreateOptions({
        ...base,
        memory: '512m',
        cpus: '0.5',
        pids: '64',
        env: ['A=1'],
        maxLifetime: '1h',
      }),
    ).toEqual({
      network: 'none',
      limits: { memoryBytes: 512 * 1024 ** 2, cpus: 0.5, maxProcesses: 64 },
      env: { A: '1' },
      labels: { 'corral.dev/created-by': 'cli' },
      maxLifetimeMs: 3_600_000,
    });
  });

  it('leaves the network out unless --network was given (Kubernetes warns only then)', () => {
    const noNetwork = { provider: 'local', env: [], label: [] };
    expect(toCreateOptions(noNetwork)).not.toHaveProperty('network');
    expect(toCreateOptions({ ...noNetwork, network: 'full' })).toMatchObject({ network: 'full' });
  });

  it('refuses bad limits before anything is created', () => {
    expect(() => toCreateOptions({ ...base, cpus: 'lots' })).toThrow(
      /--cpus "lots" must be a positive number/,
    );
    expect(() => toCreateOptions({ ...base, pids: '1.5' })).toThrow(
      /--pids "1.5" must be a positive whole number/,
    );
    expect(() => toCreateOptions({ ...base, isolation: 'docker' })).toThrow(
      /gvisor, bubblewrap, unshare, none/,
    );
  });
});

describe('rm hints repeat the flags that found the sandbox', () => {
  it('keeps --provider, --context and -n', async () => {
    const { rmCommand } = await import('../../src/commands/rm-hint.js');
    expect(rmCommand('sbx-1', { provider: 'local' })).toBe('corral sandbox rm sbx-1');
    expect(
      rmCommand('c-1', {
        provider: 'kubernetes',
        context: 'kind-x',
        namespace: 'corral-sandboxes',
      }),
    ).toBe('corral sandbox rm --provider kubernetes --context kind-x -n corral-sandboxes c-1');
  });
});
