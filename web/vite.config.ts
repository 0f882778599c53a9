import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// In development the console runs on Vite and forwards the API's GraphQL endpoint (HTTP and the
// graphql-ws upgrade) to a running Switchboard server, so the browser still talks same-origin and
// the httpOnly session cookie travels with every request.
const apiUrl = process.env.SWITCHBOARD_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
	plugins: [
		sveltekit({
			adapter: adapter({ out: 'build', precompress: true }),
			compilerOptions: { runes: true }
		}),
		svelteTesting()
	],
	server: {
		proxy: {
			'/graphql': { target: apiUrl, ws: true, changeOrigin: false }
		}
	},
	test: {
		include: ['src/**/*.test.ts'],
		// Component tests opt into jsdom with a `@vitest-environment jsdom` comment.
		environment: 'node',
		setupFiles: ['src/lib/testing/setup-dom.ts'],
		// Load @graphql-tools through Vite too, so it and the tests share one copy of graphql
		// (otherwise it gets the CommonJS build and the tests the ESM one).
		server: { deps: { inline: [/@graphql-tools/] } }
	}
});
