import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for tests and clients, from the committed schema.graphql.
// Resolver types are not generated: Pothos already types the resolvers.
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
      },
    },
  },
  ignoreNoDocuments: false,
};

export default config;
