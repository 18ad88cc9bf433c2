// ESLint: the recommended JavaScript and TypeScript rules for src/, test/ and scripts/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_GLOBALS = ['process', 'console', 'URL', 'Buffer', 'AbortController', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'];

export default tseslint.config(
	{ ignores: ['dist/', 'out/', 'node_modules/', 'test/fixtures/'] },
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((g) => [g, 'readonly'])) },
		rules: {
			// tsc (noUnusedLocals/Parameters) reports these too, with the same `_` convention.
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
			// Escaping control characters in what users give us means matching them.
			'no-control-regex': 'off',
		},
	},
	{
		// Tests edit raw JSON and YAML documents on purpose, into shapes no type describes.
		files: ['test/**'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' },
	},
);
