import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { anthropicClient, openAiClient, upstreamCalls, usageTokens } from './helpers/drop-in';
import { newKey } from './helpers/graphql';
import { postChat, streamChat } from './helpers/graphql-chat';

// A message of small talk alone ("ok cool", "thanks!") asks nothing of
// memory: chat makes no memory search, injects nothing and bills nothing,
// and the receipt says why (outside review 101, #3). A message with words of
// its own beside the small talk reads memory as before.

type Key = Awaited<ReturnType<typeof newKey>>;

const SESSION = 'maya-jon';
const DENTIST = 'Jon: I have to cancel my dentist appointment tomorrow, work is swamped.';

/** A session whose memories include small talk of its own, and a CORE note. */
async function mayaAndJon(): Promise<Key> {
  const key = await newKey();
  const now = Date.now();
  const turns = [DENTIST, 'Maya: ok', 'Jon: thanks for understanding haha'];
  await key.api.request(StoreMemoriesDocument, {
    inputs: [
      ...turns.map((content, at) => ({
        content,
        createdAt: new Date(now - 14 * 3_600_000 + at * 90_000).toISOString(),
        vault: { kind: 'SESSION' as const, id: SESSION },
      })),
      { content: 'Siobhan prefers to be called Shiv' },
    ],
  });
  return key;
}

const CHAT_STREAM = `subscription($input: ChatInput!) {
  chat(input: $input) {
    done
    result {
      memory {
        memoryTokens billedMemoryTokens
        hits { memory { content } }
        readSkipped { reason message }
        turn { stored reason }
      }
    }
  }
}`;

interface StreamedMemory {
  memoryTokens: number;
  billedMemoryTokens: number;
  hits: { memory: { content: string } }[];
  readSkipped: { reason: string; message: string } | null;
  turn: { stored: boolean; reason: string | null };
}

async function subscribedChat(key: Key, said: string): Promise<StreamedMemory> {
  const result = await streamChat<{ memory: StreamedMemory }>(key.secret, CHAT_STREAM, {
    model: 'openai/gpt-4o',
    sessionId: SESSION,
    messages: [{ role: 'USER', content: said }],
  });
  return result.memory;
}

/** Whether the fake provider's last request carried a memory block. */
async function lastCallHadMemory(): Promise<boolean> {
  const [call] = (await upstreamCalls('api.openai.com')).slice(-1);
  return JSON.stringify(call!.body).includes('<memories>');
}

async function completion(key: Key, said: string) {
  const openai = openAiClient(key.secret, { 'x-session-id': SESSION });
  const { response } = await openai.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content: said }] })
    .withResponse();
  return {
    headers: response.headers,
    receipt: JSON.parse(
      Buffer.from(response.headers.get('x-memory-receipt')!, 'base64url').toString(),
    ) as { memoryTokens: number; hits: unknown[]; readSkipped?: { reason: string } },
  };
}

describe('a small-talk message reads no memory', () => {
  beforeEach(resetFakes);

  it('"ok cool" and "thanks!" inject nothing and bill 0 memory tokens, and say why', async () => {
    const key = await mayaAndJon();
    for (const said of ['ok cool', 'thanks!']) {
      const before = await usageTokens(key);
      const streamed = await subscribedChat(key, said);
      expect(await lastCallHadMemory()).toBe(false);
      expect(streamed).toMatchObject({
        memoryTokens: 0,
        billedMemoryTokens: 0,
        hits: [],
        readSkipped: { reason: 'NO_CONTENT_WORDS' },
        turn: { stored: false, reason: 'NO_CONTENT_WORDS' },
      });
      expect(streamed.readSkipped!.message).toMatch(/small talk/);

      const dropIn = await completion(key, said);
      expect(await lastCallHadMemory()).toBe(false);
      expect(dropIn.headers.get('x-memory-tokens')).toBe('0');
      expect(dropIn.headers.get('x-memory-tokens-billed')).toBe('0');
      expect(dropIn.headers.get('x-memory-read-skipped')).toBe('NO_CONTENT_WORDS');
      expect(dropIn.receipt).toMatchObject({
        memoryTokens: 0,
        hits: [],
        readSkipped: { reason: 'NO_CONTENT_WORDS' },
      });
      expect(await usageTokens(key)).toBe(before);
    }
  });

  it('makes no vault call for it (extensions.memory lists none)', async () => {
    const key = await mayaAndJon();
    const body = await postChat(
      key.secret,
      `mutation($input: ChatInput!) { chat(input: $input) { memory { memoryTokens } } }`,
      {
        model: 'openai/gpt-4o',
        sessionId: SESSION,
        memoryMode: 'READ',
        messages: [{ role: 'USER', content: 'ok cool' }],
      },
    );
    const extensions = body.extensions as
      { memory?: { vaults: unknown[]; windows: unknown[] } | null } | undefined;
    expect(body.errors).toBeUndefined();
    expect(extensions?.memory?.vaults ?? []).toEqual([]);
    expect(extensions?.memory?.windows ?? []).toEqual([]);
  });

  it('"no" and "thing" are small talk only beside small talk or alone: questions made with them read memory and are stored', async () => {
    // Before, "thing" (for "sure thing") and "no" made any message of
    // function words small talk: these read no memory and were not stored.
    const key = await mayaAndJon();
    for (const said of ['what was that thing again?', 'no, the other thing']) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.readSkipped, said).toBeNull();
      expect(streamed.turn, said).toMatchObject({ stored: true, reason: null });
      const dropIn = await completion(key, said);
      expect(dropIn.headers.get('x-memory-read-skipped'), said).toBeNull();
    }
    // Beside small talk, or alone, still small talk.
    for (const said of ['sure thing', 'no thanks', 'no', 'oh no']) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.readSkipped?.reason, said).toBe('NO_CONTENT_WORDS');
      expect(streamed.turn, said).toMatchObject({ stored: false, reason: 'NO_CONTENT_WORDS' });
    }
  });

  it('a question is never small talk, whatever its other words: "how much was it?" and "what did I do this morning?" read memory and are stored', async () => {
    // Before, "much" and "morning" (small-talk words, for "thanks so much"
    // and "good morning") with function words alone made these small talk:
    // no memory read, the turn not stored.
    const key = await mayaAndJon();
    for (const said of ['how much was it?', 'what did I do this morning?', 'whats good?']) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.turn, said).toMatchObject({ stored: true, reason: null });
      // "how much was it?" is no small talk, but names nothing to look up
      // (and, the first message, has no earlier turn to be read with): it
      // reads no memory, and says so in search's words (review 213 #7).
      if (said === 'how much was it?') {
        expect(streamed.readSkipped?.reason, said).toBe('NO_CONTENT_WORDS');
        expect(streamed.readSkipped?.message, said).not.toMatch(/small talk/);
        continue;
      }
      expect(streamed.readSkipped, said).toBeNull();
      const dropIn = await completion(key, said);
      expect(dropIn.headers.get('x-memory-read-skipped'), said).toBeNull();
    }
    // Beside a greeting a question is phatic, and "what a …!" exclaims.
    for (const said of [
      'good morning',
      'thank you so much!',
      'hi, how are you?',
      'hey, how was your night?',
      'good morning, how are you?',
      'what a night!',
      'how nice, thanks!',
    ]) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.readSkipped?.reason, said).toBe('NO_CONTENT_WORDS');
    }
  });

  it('a stock phatic question beside a greeting is small talk ("hi! how\'s it going?"), and its words alone or beside content read memory (review 101)', async () => {
    // Before, "going", "life" and "everything" were content words: a
    // greeting read memory, was billed for it and was stored.
    const key = await mayaAndJon();
    for (const said of ["hi! how's it going?", "thanks, how's it going?", 'hey, how is life?']) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.readSkipped?.reason, said).toBe('NO_CONTENT_WORDS');
      expect(streamed.memoryTokens, said).toBe(0);
      expect(streamed.turn, said).toMatchObject({ stored: false, reason: 'NO_CONTENT_WORDS' });
      const dropIn = await completion(key, said);
      expect(dropIn.headers.get('x-memory-read-skipped'), said).toBe('NO_CONTENT_WORDS');
    }
    for (const said of [
      "how's it going with jon's dentist?",
      'is everything cancelled?',
      'hi, where did jon go?',
    ]) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.readSkipped, said).toBeNull();
      expect(streamed.turn, said).toMatchObject({ stored: true, reason: null });
    }
  });

  it('"got it" acknowledging is small talk; "I got it" and "got the tickets" say something (review 104 #6)', async () => {
    // Before, "got" was a content word: "Got it." read memory, was billed
    // and was stored, and as a stored reply it was injected beside answers.
    const key = await mayaAndJon();
    for (const said of ['Got it.', 'ok, got it, thanks']) {
      const streamed = await subscribedChat(key, said);
      expect(streamed.readSkipped?.reason, said).toBe('NO_CONTENT_WORDS');
      expect(streamed.memoryTokens, said).toBe(0);
      expect(streamed.turn, said).toMatchObject({ stored: false, reason: 'NO_CONTENT_WORDS' });
    }
    for (const said of ['I got it', 'got the tickets']) {
      const streamed = await subscribedChat(key, said);
      // "I got it" says something but names nothing to look up: stored, no read (review 213 #7).
      if (said === 'I got it') expect(streamed.readSkipped?.reason, said).toBe('NO_CONTENT_WORDS');
      else expect(streamed.readSkipped, said).toBeNull();
      expect(streamed.turn, said).toMatchObject({ stored: true, reason: null });
    }
  });

  it('a message with words of its own beside the small talk reads memory as before', async () => {
    const key = await mayaAndJon();
    const streamed = await subscribedChat(key, 'thanks! what did jon cancel?');
    expect(streamed.readSkipped).toBeNull();
    expect(streamed.hits.map((hit) => hit.memory.content)).toContain(DENTIST);
    expect(streamed.memoryTokens).toBeGreaterThan(0);
    expect(await lastCallHadMemory()).toBe(true);

    const dropIn = await completion(key, 'thanks! what did jon cancel?');
    expect(dropIn.headers.get('x-memory-read-skipped')).toBeNull();
    expect(dropIn.receipt.readSkipped).toBeUndefined();
    expect(Number(dropIn.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
  });

  it('a tool result beside "thanks" is content: memory is read for it and the turn is stored (review 102 #2)', async () => {
    const key = await newKey();
    const trip = 'We fly to Kyoto on Friday for the cherry blossoms';
    await key.api.request(StoreMemoriesDocument, {
      inputs: [{ content: trip, vault: { kind: 'SESSION', id: 'tool-b' } }],
    });
    const claude = anthropicClient(key.secret, { 'x-session-id': 'tool-b' });
    const { response } = await claude.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 64,
        messages: [
          { role: 'user', content: 'What is the weather like there this week?' },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 't1', name: 'weather', input: { city: 'Kyoto' } }],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't1',
                content: 'Kyoto is sunny with cherry blossoms',
              },
              { type: 'text', text: 'thanks' },
            ],
          },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-memory-read-skipped')).toBeNull();
    expect(Number(response.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
    const [call] = (await upstreamCalls('api.anthropic.com')).slice(-1);
    expect(JSON.stringify(call!.body.system ?? '')).toContain(trip);
    expect(response.headers.get('x-memory-turn')).toBe('stored');
  });
});
