import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Watchers, sockets and child processes: keep files isolated in their own processes.
    pool: 'forks',
  },
});
