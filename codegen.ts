import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the committed schema.graphql. Resolver types are not
// generated: Pothos already types the resolvers.
const scalars = { DateTime: 'string', JSON: 'unknown' };

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    // Documents for the tests inside workerd.
    'test/generated/': {
      documents: ['test/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars },
    },
    // The published client's operations (also the console's). Documents are
    // strings, so neither the client nor the console bundles graphql-js.
    'packages/client/src/generated/': {
      documents: ['packages/client/src/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, gqlTagName: 'graphql' },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars,
        documentMode: 'string',
        emitLegacyCommonJSImports: false,
      },
    },
  },
  ignoreNoDocuments: false,
};

export default config;
