import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

const SERVER_TESTS = ['src/**/*.server.test.ts', 'src/lib/server/**/*.test.ts'];

// In development the console runs on Vite and forwards the API's GraphQL endpoint (HTTP and the
// graphql-ws upgrade) to a running Switchboard server, so the browser still talks same-origin and
// the httpOnly session cookie travels with every request.
const apiUrl = process.env.SWITCHBOARD_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
	plugins: [
		sveltekit({
			adapter: adapter({ out: 'build', precompress: true }),
			compilerOptions: { runes: true }
		})
	],
	server: {
		proxy: {
			'/graphql': { target: apiUrl, ws: true, changeOrigin: false }
		}
	},
	test: {
		// Server code (loads, actions, API calls) runs under Node's conditions; everything else
		// under the browser's, with components in jsdom via a `@vitest-environment jsdom` comment.
		projects: [
			{
				extends: true,
				test: { name: 'server', include: SERVER_TESTS, environment: 'node', server: { deps: { inline: [/@graphql-tools/] } } }
			},
			{
				extends: true,
				plugins: [svelteTesting()],
				test: {
					name: 'browser',
					include: ['src/**/*.test.ts'],
					exclude: SERVER_TESTS,
					environment: 'node',
					setupFiles: ['src/lib/testing/setup-dom.ts'],
					// Load @graphql-tools through Vite too, so it and the tests share one copy of graphql
					// (otherwise it gets the CommonJS build and the tests the ESM one).
					server: { deps: { inline: [/@graphql-tools/] } }
				}
			}
		]
	}
});
