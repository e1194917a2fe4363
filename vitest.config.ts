import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Load and crash tests bind real sockets and spawn processes: keep files in separate forks.
    pool: 'forks',
  },
});
