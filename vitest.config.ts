import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		globalSetup: ['test/temp-root.ts'],
		testTimeout: 60_000,
	},
});
