import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Fails the run when a test leaves a temp dir or a process behind (see the file).
    globalSetup: ['test/setup/leftovers.ts'],
  },
});
