import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'web',
      {
        test: {
          name: 'unit',
          include: ['db/src/**/*.test.ts', 'schema/src/**/*.test.ts', 'server/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
