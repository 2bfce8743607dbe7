import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most of a test's time is spent waiting on its lab, sshd or testbed, not on a CPU: vitest's
    // default (CPUs - 1) runs the files one at a time on a 2-core CI machine, half idle.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Fails the run when a test leaves a temp dir or a process behind (see the file).
    globalSetup: ['test/setup/leftovers.ts'],
  },
});
