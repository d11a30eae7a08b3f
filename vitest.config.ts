import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default, a fork per core but one, is a single fork on two
    // cores; most files wait on the processes they start, so two share two
    // cores well (the suite in 420 s against 668 s here).
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
  },
});
