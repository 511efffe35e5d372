import { describe, expect, it } from 'vitest';
import { CodedError, failure } from '../../src/core/errors';
import { errorResponse } from '../../src/http/error-shapes';

describe('a failure from a vault keeps its details on the way to the response', () => {
  it('a REEMBEDDING refusal answers 429 with Retry-After', async () => {
    const refused = {
      ...failure('RATE_LIMITED', 'the vault is re-embedding', 'REEMBEDDING'),
      details: { retryAfter: 32 },
    };
    const response = errorResponse('rest', CodedError.from(refused));
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('32');
    expect(await response.json()).toMatchObject({
      error: { code: 'RATE_LIMITED', reason: 'REEMBEDDING' },
    });
  });
});
