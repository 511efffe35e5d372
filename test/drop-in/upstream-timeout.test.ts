import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { DEFAULT_UPSTREAM_TIMEOUT_MS, providerSettings } from '../../src/providers';
import wranglerToml from '../../wrangler.toml?raw';

// A long non-streamed answer takes minutes; with a shorter deadline than the
// client's own SDK, MemoryRouter answered 504, the SDK retried, and the
// provider generated (and billed) the answer up to three times (review 212 F1).

describe('the upstream timeout fits a long answer', () => {
  it('defaults to the official SDKs’ own timeout (10 minutes)', () => {
    expect(providerSettings({}).timeoutMs).toBe(OpenAI.DEFAULT_TIMEOUT);
    expect(providerSettings({}).timeoutMs).toBe(Anthropic.DEFAULT_TIMEOUT);
    expect(DEFAULT_UPSTREAM_TIMEOUT_MS).toBe(600_000);
  });

  it('every environment of wrangler.toml sets that default', () => {
    const set = [...wranglerToml.matchAll(/^UPSTREAM_TIMEOUT_MS\s*=\s*"(\d+)"/gm)].map((m) =>
      Number(m[1]),
    );
    expect(set.length).toBeGreaterThan(0);
    expect(new Set(set)).toEqual(new Set([DEFAULT_UPSTREAM_TIMEOUT_MS]));
  });
});
