import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { checkDeployment, startCheckReport } from '../../src/http/deployment-check';
import { BASE_URL, newKey } from '../helpers/graphql';

// review271 F4: EMBEDDING_MODEL set while EMBEDDING_PROVIDER is local (or
// unset) chose nothing, and neither `npm start` nor the Worker said so.
const MODEL = '@cf/baai/bge-small-en-v1.5';

/** The same Worker and storage, on a deployment that sets EMBEDDING_MODEL with the local embedder. */
const withModel = { ...env, EMBEDDING_MODEL: MODEL };

function send(path: string, init: RequestInit = {}) {
  return worker.fetch(
    new Request(`${BASE_URL}${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
    withModel,
    createExecutionContext(),
  );
}

/** The variables `npm start` reads from wrangler.toml and .dev.vars, valid as they stand. */
const startVars = {
  ENVIRONMENT: 'development',
  KEY_HMAC_SECRET: 'a-key-hmac-secret-long-enough',
  ADMIN_JWT_SECRET: 'an-admin-jwt-secret-long-enough',
};
const bound = {
  VAULT: true,
  ACCOUNT: true,
  USAGE_SHARD: true,
  CREATED_RESPONSES: true,
  SNAPSHOTS: true,
};

describe('a setting that does nothing (a configuration warning)', () => {
  it('npm start prints it and goes on; with a real problem it prints both and stops', () => {
    expect(startCheckReport(checkDeployment(startVars, bound))).toEqual({
      lines: [],
      fatal: false,
    });
    for (const provider of [{}, { EMBEDDING_PROVIDER: 'local' }]) {
      const report = startCheckReport(
        checkDeployment({ ...startVars, ...provider, EMBEDDING_MODEL: MODEL }, bound),
      );
      expect(report.fatal).toBe(false);
      expect(report.lines).toEqual([
        expect.stringMatching(
          /^configuration warning: EMBEDDING_MODEL is set but EMBEDDING_PROVIDER is local .* it is ignored\. Set EMBEDDING_PROVIDER = "workers-ai"/,
        ),
      ]);
      expect(report.lines.join('\n')).not.toContain(MODEL);
    }
    // With Workers AI the model is used: nothing to say.
    expect(
      checkDeployment(
        { ...startVars, EMBEDDING_PROVIDER: 'workers-ai', EMBEDDING_MODEL: MODEL, AI: {} },
        bound,
      ).warnings,
    ).toEqual([]);
    const both = startCheckReport(
      checkDeployment({ ...startVars, KEY_HMAC_SECRET: 'short', EMBEDDING_MODEL: MODEL }, bound),
    );
    expect(both.fatal).toBe(true);
    expect(both.lines[0]).toMatch(/^configuration warning: EMBEDDING_MODEL/);
    expect(both.lines[1]).toMatch(/^configuration error: KEY_HMAC_SECRET is shorter/);
  });

  it('the Worker logs it once and serves every request as before', async () => {
    const key = await newKey();
    const warned = vi.spyOn(console, 'warn');
    const errors = vi.spyOn(console, 'error');
    try {
      const health = await send('/health');
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
        const response = await send('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
          body: JSON.stringify({ query, variables }),
        });
        return response.json();
      };
      expect(
        await graphql(
          'mutation ($content: String!) { storeMemory(input: { content: $content }) { id } }',
          { content: 'The user keeps bees in Lisbon' },
        ),
      ).toMatchObject({ data: { storeMemory: { id: expect.any(String) } } });
      expect(await graphql('{ me { id } }')).toMatchObject({ data: { me: { id: key.keyId } } });
      const lines = warned.mock.calls.map((call) => call.join(' '));
      const said = lines.filter((line) => line.includes('configuration warning'));
      expect(said).toHaveLength(1);
      expect(said[0]).toContain('EMBEDDING_MODEL is set but EMBEDDING_PROVIDER is local');
      expect(said[0]).not.toContain(MODEL);
      expect(errors.mock.calls.flat().join(' ')).not.toContain('configuration error');
    } finally {
      warned.mockRestore();
      errors.mockRestore();
    }
  });
});
