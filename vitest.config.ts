import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'engines/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // a poll waits for a state the page or the server reaches eventually: under a loaded 2-core
    // machine that can take more than vitest's default second
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    // 2 cores: two files at a time, each with its own database, worker and task queue.
    maxWorkers: 2,
  },
});
