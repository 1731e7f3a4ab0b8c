import { describe, expect, it } from 'vitest';
import { nameHash } from '@corral/agent-sandbox';

describe('nameHash (FNV-1a 32-bit, as Go hash/fnv New32a %08x)', () => {
  it.each([
    ['', '811c9dc5'],
    ['a', 'e40c292c'],
    ['foobar', 'bf9cf968'],
    ['my-sandbox', '374de8f5'],
  ])('hashes %j to %s', (input, expected) => {
    expect(nameHash(input)).toBe(expected);
  });

  it('always returns 8 lowercase hex digits', () => {
    for (const name of ['x', 'sandbox-claim-0', 'pool-abcde', 'a'.repeat(253)]) {
      expect(nameHash(name)).toMatch(/^[0-9a-f]{8}$/);
    }
  });
});
