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
      '**/.wrangler',
      'dist',
      'worker-configuration.d.ts',
      'test/generated/**',
      'src/text/known-words.generated.ts',
      'src/text/word-forms.generated.ts',
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
    // Every log line of src/ goes through core/request-log.ts (logError,
    // logWarn), which names the request it is about.
    files: ['src/**/*.ts'],
    ignores: ['src/core/request-log.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['error', 'warn', 'log', 'info', 'debug'].map((property) => ({
          object: 'console',
          property,
          message:
            'log through logError / logWarn (src/core/request-log.ts): they name the request',
        })),
      ],
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
    // A vault object keeps its decoded meta record between its own writes
    // (src/durable/warm-tier/vault-meta.ts): a test that writes the meta table
    // beneath a live object must also make it forget that record, which
    // writeMetaBeneath (test/helpers/vaults.ts) does. Raw SQL writes of the
    // table, and writes through a VaultMeta made on the spot, only inside it.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...metaWritesOnlyBeneath()],
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

/** no-restricted-syntax entries: meta-table writes in test/ outside writeMetaBeneath. */
function metaWritesOnlyBeneath() {
  const insideHelper = ":not(CallExpression[callee.name='writeMetaBeneath'] *)";
  const message =
    'write a vault meta table beneath its object only through writeMetaBeneath (test/helpers/vaults.ts), which makes the object forget the record it keeps';
  const sqlWrite =
    '/^\\s*(INSERT(\\s+OR\\s+\\w+)?\\s+INTO|REPLACE\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+meta\\b/i';
  return [
    { selector: `Literal[value=${sqlWrite}]${insideHelper}`, message },
    { selector: `TemplateElement[value.raw=${sqlWrite}]${insideHelper}`, message },
    {
      selector: `CallExpression[callee.property.name=/^(set|update)$/][callee.object.type='NewExpression'][callee.object.callee.name='VaultMeta']${insideHelper}`,
      message,
    },
  ];
}
