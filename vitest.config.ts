import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@corral/source'] },
  ssr: { resolve: { conditions: ['@corral/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['./scripts/vitest-global-setup.ts'],
  },
});
