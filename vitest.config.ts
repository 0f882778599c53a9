import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// One graphql instance, as under plain Node: Vite would otherwise resolve workspace sources'
// `graphql` imports to its ESM build while Pothos and Yoga (CommonJS) load the CJS one.
const graphqlEntry = createRequire(new URL('./schema/package.json', import.meta.url)).resolve('graphql');
const nodeResolve = { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] };

export default defineConfig({
  test: {
    projects: [
      'web',
      {
        resolve: nodeResolve,
        test: {
          name: 'unit',
          include: ['db/src/**/*.test.ts', 'schema/src/**/*.test.ts', 'server/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: nodeResolve,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: nodeResolve,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          // One Chromium and one server at a time: the console's numbers must not race other files.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
