import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The client package as an application installs it (the dist the live
 * setup built, its dependencies beside it), compiled with `tsc` under each
 * `moduleResolution` a TypeScript project may still use, strict and with
 * the package's declarations checked: the client README's first example and
 * the `/operations` entry (review207 H). Before `types`, `main` and
 * `typesVersions`, `node` (node10) found neither entry (TS2307).
 */
describe('@memoryrouter/client under each moduleResolution', () => {
  let project: string;
  let example: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'memoryrouter-client-ts-'));
    const modules = join(project, 'node_modules');
    await mkdir(join(modules, '@memoryrouter'), { recursive: true });
    await mkdir(join(modules, '@graphql-typed-document-node'), { recursive: true });
    await mkdir(join(modules, '@types'), { recursive: true });
    // The README example reads process.env, as a Node application does.
    await symlink(join(ROOT, 'node_modules/@types/node'), join(modules, '@types/node'));
    await symlink(join(ROOT, 'node_modules/undici-types'), join(modules, 'undici-types'));
    await symlink(join(ROOT, 'packages/client'), join(modules, '@memoryrouter/client'));
    await symlink(join(ROOT, 'node_modules/graphql-sse'), join(modules, 'graphql-sse'));
    await symlink(
      join(ROOT, 'node_modules/@graphql-typed-document-node/core'),
      join(modules, '@graphql-typed-document-node/core'),
    );
    await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
    const readme = await readFile(join(ROOT, 'packages/client/README.md'), 'utf8');
    example = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
  });

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it.each([
    ['node', 'esnext'],
    ['nodenext', 'nodenext'],
    ['bundler', 'esnext'],
  ])(
    'compiles the README example and /operations with moduleResolution %s',
    async (resolution, module) => {
      const dir = join(project, resolution);
      await mkdir(dir);
      await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
      await writeFile(join(dir, 'example.ts'), example);
      await writeFile(
        join(dir, 'operations.ts'),
        [
          "import { createClient } from '@memoryrouter/client';",
          "import { SearchDocument } from '@memoryrouter/client/operations';",
          "const mr = createClient({ url: 'http://localhost:8787', key: 'mk_x' });",
          "export const hits = async () => (await mr.request(SearchDocument, { input: { query: 'x' } })).search.hits.length;",
          '',
        ].join('\n'),
      );
      const tsconfig = {
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: ['node'],
          module,
          moduleResolution: resolution,
        },
        files: ['example.ts', 'operations.ts'],
      };
      await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      const compiled = await run(process.execPath, [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        dir,
      ]).then(
        () => '',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(compiled).toBe('');
    },
  );
});
