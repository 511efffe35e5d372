import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreMemoriesDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { newKey } from '../helpers/graphql';
import { decodeReceipt, postJson, upstreamCalls } from '../helpers/drop-in';
import { recordVaultCalls } from '../helpers/vault-calls';
import {
  HELD_GUESS_MS,
  WORD_STATISTICS_MAX_AGE_MS,
} from '../../src/resolvers/word-statistics-cache';

/**
 * A chat reads its key's CORE vault and its session's together, so its
 * search ranks words with statistics of both (search-statistics.ts). When
 * this isolate has not counted the chat's words lately, the vaults used to
 * be asked for their counts first: a round of calls before the search, on
 * the way to the first byte. A vault last seen holding nothing (a CORE
 * never written) now answers its counts with its hits instead, and the
 * chat injects what the round would have given it. The clock stands still
 * unless a test moves it.
 */
const SESSION = 'trail-notes';
const QUESTION = 'which rope did Ines take up the ridge trail?';
const TRAIL = [
  'Ines took the blue rope up the ridge trail',
  'Omar said the ridge trail was closed after the storm',
  'the rope in the hall closet is frayed',
];

async function sessionKey() {
  const key = await newKey();
  await key.api.request(StoreMemoriesDocument, {
    inputs: TRAIL.map((content) => ({ content, vault: { kind: 'SESSION' as const, id: SESSION } })),
  });
  return key;
}

/** A READ chat (nothing stored) with the session; what it injected, and the vault calls it made. */
async function chat(secret: string) {
  await resetFakes();
  const arrived = recordVaultCalls();
  let response: Response;
  try {
    response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] },
      {
        authorization: `Bearer ${secret}`,
        'x-provider-key': 'sk-test',
        'x-session-id': SESSION,
        'x-memory-mode': 'read',
      },
    );
    expect(response.status).toBe(200);
    await response.text();
  } finally {
    arrived.stop();
  }
  const receipt = decodeReceipt(response.headers.get('x-memory-receipt')) as {
    memoryTokens: number;
    hits: { vault: string; window: string; score: number; tokens: number }[];
  };
  const [call] = await upstreamCalls('api.openai.com');
  const messages = call!.body.messages as { role: string; content: string }[];
  const block = messages.find((message) => message.role === 'system')?.content ?? '';
  return {
    memoryTokens: receipt.memoryTokens,
    hits: receipt.hits.map(({ vault, window, score, tokens }) => ({
      vault,
      window,
      score,
      tokens,
    })),
    // The block's memories as the model reads them, without their times.
    memories: block
      .split('\n')
      .filter((line) => line.startsWith('- ['))
      .map((line) => line.replace(/^- \[\w{3} [^ ]+ · /, '- [')),
    statisticsCalls: arrived.calls.filter((call) => call.startsWith('textStatistics')).sort(),
    reads: arrived.calls.filter((call) => call.startsWith('read')).sort(),
  };
}

describe("a chat's word statistics over its vaults, on the way to its first byte", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-27T11:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks no vault for counts first when the other vault held nothing, and injects what asking gave', async () => {
    const key = await sessionKey();
    const asked = await chat(key.secret);
    // This isolate never counted these vaults: they are asked first, as before.
    expect(asked.statisticsCalls).toEqual([
      'textStatistics core',
      `textStatistics session:${SESSION}`,
    ]);
    expect(asked.memories.length).toBeGreaterThan(0);

    // The counts are past their age; that CORE held nothing is still known.
    vi.setSystemTime(Date.now() + WORD_STATISTICS_MAX_AGE_MS);
    const oneRound = await chat(key.secret);
    expect(oneRound.statisticsCalls).toEqual([]);
    expect(oneRound.reads).toEqual(['read core', `read session:${SESSION}`]);
    // The same memories, scores and bill as the chat whose vaults were asked.
    expect(oneRound.hits).toEqual(asked.hits);
    expect(oneRound.memories).toEqual(asked.memories);
    expect(oneRound.memoryTokens).toBe(asked.memoryTokens);
  });

  it('searches again with both vaults’ counts when the vault last seen empty holds a memory now, and finds it', async () => {
    const key = await sessionKey();
    // A key with the same memories whose vaults this isolate never counts
    // before its chat below, which asks them first, as the chat did before.
    const other = await sessionKey();
    await chat(key.secret);
    // Written since (as through another isolate: this one's counts still say CORE is empty).
    const written = 'Ines keeps a spare rope in the car for the ridge trail';
    for (const { api } of [key, other])
      await api.request(StoreMemoriesDocument, { inputs: [{ content: written }] });
    vi.setSystemTime(Date.now() + WORD_STATISTICS_MAX_AGE_MS);
    const guessed = await chat(key.secret);
    expect(guessed.statisticsCalls).toEqual([]);
    expect(guessed.reads).toEqual([
      'read core',
      'read core',
      `read session:${SESSION}`,
      `read session:${SESSION}`,
    ]);
    expect(guessed.memories.some((line) => line.includes(JSON.stringify(written)))).toBe(true);

    // Asked first, the other key's chat injects the same memories with the same scores.
    const asked = await chat(other.secret);
    expect(asked.statisticsCalls).toHaveLength(2);
    expect(guessed.hits).toEqual(asked.hits);
    expect(guessed.memories).toEqual(asked.memories);
    expect(guessed.memoryTokens).toBe(asked.memoryTokens);
  });

  it('asks first again once what it knew of the vaults is too old to guess by', async () => {
    const key = await sessionKey();
    await chat(key.secret);
    vi.setSystemTime(Date.now() + HELD_GUESS_MS);
    expect((await chat(key.secret)).statisticsCalls).toHaveLength(2);
  });
});
