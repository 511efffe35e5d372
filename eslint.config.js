import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      '.wrangler',
      'dist',
      'worker-configuration.d.ts',
      'test/generated/**',
      'packages/client/src/generated/**',
      'packages/client/dist/**',
      'assets/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['test/fakes/**'],
    languageOptions: { globals: globals.serviceworker },
  },
  {
    files: ['scripts/**', 'bench/**', 'bin/**'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' },
  },
);
