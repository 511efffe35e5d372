import { env } from 'cloudflare:workers';
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import worker from '../src/index';
import { bindingProblems, REQUIRED_BINDINGS } from '../src/core/config-check';
import { StoreMemoryDocument } from './generated/graphql';
import { BASE_URL, newKey, post } from './helpers/graphql';

// A deployment whose wrangler.toml lacks a binding the Worker needs (the R2
// bucket of snapshots, a Durable Object namespace) says so on every route, as
// it does for a missing AI binding, instead of failing on first use (review
// 269 F1: without SNAPSHOTS, import, clearVault — after clearing —,
// vaultSnapshots and restoreVault answered "Unexpected error.").

/** The Worker's fetch with the test deployment's bindings, less `missing`. */
async function fetchWithout(missing: string, request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    request as Parameters<typeof worker.fetch>[0],
    { ...env, [missing]: undefined } as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe('a deployment without a required binding', () => {
  it('answers CONFIGURATION_ERROR naming SNAPSHOTS, on GraphQL and the import route, and changes nothing', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'kept through the refusal' } });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const cleared = await fetchWithout(
      'SNAPSHOTS',
      new Request(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: 'mutation { clearVault(selector: { kind: CORE }) }' }),
      }),
    );
    const imported = await fetchWithout(
      'SNAPSHOTS',
      new Request(`${BASE_URL}/v1/vaults/session/r2imp/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}` },
        body: '{"content":"a line"}\n',
      }),
    );
    const log = logged.mock.calls.flat().join(' ');
    logged.mockRestore();
    expect(log).toContain('SNAPSHOTS binding is missing');
    // Before: INTERNAL_SERVER_ERROR "Unexpected error." (clearVault after clearing).
    expect(cleared.status).toBe(503);
    expect(
      ((await cleared.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions,
    ).toEqual({
      code: 'CONFIGURATION_ERROR',
      reason: 'SNAPSHOTS_BINDING_MISSING',
      variables: ['SNAPSHOTS'],
      requestId: expect.stringMatching(/^mrq_/),
    });
    const count = await post<{ vault: { memoryCount: number } }>(
      '{ vault(selector: { kind: CORE }) { memoryCount } }',
      {},
      secret,
    );
    expect(count.data?.vault.memoryCount).toBe(1);
    expect(imported.status).toBe(503);
    expect(await imported.json()).toMatchObject({
      error: { code: 'CONFIGURATION_ERROR', reason: 'SNAPSHOTS_BINDING_MISSING' },
    });
  });

  it.each(Object.keys(REQUIRED_BINDINGS))('names %s when it is missing, and only then', (name) => {
    expect(bindingProblems(env as unknown as Record<string, unknown>)).toEqual([]);
    expect(bindingProblems({ ...env, [name]: undefined })).toEqual([
      {
        variable: name,
        problem: expect.stringContaining('binding is missing: wrangler.toml needs [['),
        reason: `${name}_BINDING_MISSING`,
      },
    ]);
  });
});
