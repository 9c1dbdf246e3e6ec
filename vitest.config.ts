import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The suites wait on simulated pacing, job delays and child processes far more than they
    // compute: four workers overlap those waits on a 2-core machine (the default leaves one core idle).
    maxWorkers: 4,
  },
});
