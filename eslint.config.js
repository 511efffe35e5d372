import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layerZones } from './eslint.layers.js';

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
    // The layers of src/ and no circles between its modules (eslint.layers.js).
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones() }],
      'import-x/no-cycle': ['error', { maxDepth: Infinity, ignoreExternal: true }],
    },
  },
  {
    // GraphQL is a surface: below it, errors are CodedError and data is plain.
    files: ['src/{resolvers,durable,providers,billing,auth,embed,kronos,text,vaults,core}/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['graphql', 'graphql-yoga', '@pothos/core'].map((name) => ({
            name,
            message: 'only src/http/graphql, src/schema and the HTTP transports speak GraphQL',
          })),
        },
      ],
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
