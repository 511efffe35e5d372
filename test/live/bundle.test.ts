import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { newMemoryKey } from './helpers';

const run = promisify(execFile);

/** A GraphQL request to the live Worker, which runs wrangler's bundle (the unit tests do not). */
async function graphql(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<{ errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const response = await fetch(`${inject('liveUrl')}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

const adminToken = (expiresAt: number) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(`live-bundle-${Date.now().toString(36)}`)
    .setIssuedAt(expiresAt - 60)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(inject('adminSecret')));

// wrangler.toml bundles without esbuild's keep_names and with NODE_ENV
// "production", for `wrangler dev` as for deploy (docs/development.md).
describe('the bundle wrangler builds', () => {
  it('errors thrown by classes inside the bundle keep their codes and reasons', async () => {
    // jose's JWTExpired and JOSEError, told apart by class, then our CodedError.
    const now = Math.floor(Date.now() / 1000);
    const expired = await graphql('{ memoryKeys { id } }', {}, await adminToken(now - 120));
    expect(expired.errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'ADMIN_TOKEN_EXPIRED',
    });
    const forged = `${(await adminToken(now + 600)).slice(0, -4)}AAAA`;
    const invalid = await graphql('{ memoryKeys { id } }', {}, forged);
    expect(invalid.errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'ADMIN_TOKEN_INVALID',
    });

    // graphql-js's own errors (validation and variable coercion) as BAD_USER_INPUT.
    const key = await newMemoryKey('bundle');
    const unknownField = await graphql('{ me { nope } }', {}, key);
    expect(unknownField.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
    });
    const wrongType = await graphql(
      'mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }',
      { inputs: [{ content: 'fine', createdAt: 'not a date' }] },
      key,
    );
    expect(wrongType.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(wrongType.errors?.[0]?.message).toMatch(/createdAt/);
  });

  // The top level (`npm start`) and env.production (`npm run deploy`), whose
  // [define] is not inherited and so is written twice.
  it.each([[[]], [['--env', 'production']]])(
    'is the production build, with one copy of graphql-js, even where wrangler would say development (%j)',
    async (environment: string[]) => {
      const out = await mkdtemp(join(tmpdir(), 'memoryrouter-bundle-'));
      try {
        // `wrangler dev` sets NODE_ENV to "development" when the shell has none;
        // wrangler.toml's [define] must win over it.
        await run('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', out, ...environment], {
          env: { ...process.env, NODE_ENV: 'development', WRANGLER_SEND_METRICS: 'false' },
        });
        const bundle = await readFile(join(out, 'index.js'), 'utf8');
        // esbuild marks every module with its path: graphql's ESM files only.
        // Its CommonJS files beside them would be a second graphql-js, whose
        // errors and types the first does not recognise (the [alias] in
        // wrangler.toml), and the production build no longer says so at run time.
        const graphqlModules = [...bundle.matchAll(/^\/\/ node_modules\/graphql\/(\S+)$/gm)].map(
          (match) => match[1]!,
        );
        expect(graphqlModules.length).toBeGreaterThan(50);
        expect(graphqlModules.filter((path) => !path.endsWith('.mjs'))).toEqual([]);
        // graphql-js's plain instanceof, and no keep_names wrappers.
        expect(bundle).toMatch(
          /\/\/ node_modules\/graphql\/jsutils\/instanceOf\.mjs\nvar isProduction\d* = globalThis\.process && [^\n]*\ntrue;/,
        );
        expect(bundle).not.toMatch(/\b__name\(/);
        // Without keep_names a class esbuild renames (two modules' `Hono`
        // become `Hono3`) reports that name; error names are read (logs, and
        // `name === 'GraphQLError'` in client-errors.ts), so none may be renamed.
        expect(
          bundle.match(
            /\b\w*(?:Error|Exception)\d+ = class\b|\bclass \w*(?:Error|Exception)\d+\b/g,
          ),
        ).toBeNull();
        // jose's errors name themselves after their class (`this.constructor.name`).
        expect(
          bundle.match(/\b(?:JOSE|JW[TSEK])\w*\d+ = class\b|\bclass (?:JOSE|JW[TSEK])\w*\d+\b/g),
        ).toBeNull();
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    },
  );
});
