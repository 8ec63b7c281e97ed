import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that spawn the CLI or share the machine's Postgres run one file per worker; 2 cores here.
    maxWorkers: 2,
    tags: [
      { name: 'oracle', description: 'checked against independent reference values (TA-Lib, backtesting.py, hand derivations)' },
      { name: 'real-data', description: 'reads ../shared/data (skips when absent)' },
      { name: 'e2e', description: 'spawns the built bin/cift.js' },
    ],
  },
});
