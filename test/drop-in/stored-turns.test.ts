import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { VAULT_MIGRATIONS } from '../../src/durable/warm-tier/vault-schema';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import { RestoreVaultDocument, StoreMemoriesDocument } from '../generated/graphql';
import { runAlarm } from '../helpers/alarms';
import { writeMetaBeneath } from '../helpers/vaults';
import { resetFakes, scriptFake } from '../helpers/fakes';
import {
  anthropicClient as anthropic,
  openAiClient,
  postJson,
  sessionMemories,
  usageTokens,
} from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { postChat } from '../helpers/graphql-chat';
import chatPage from '../../docs/chat.md?raw';

// What a drop-in (or GraphQL) chat turn leaves in its vault: the user's own
// words, once. A retried or resent turn is not stored or billed again within
// 24 hours; small talk ("thanks!") is not stored; a context document the
// client marked for the provider's cache is not taken for the user's words.

type Key = Awaited<ReturnType<typeof newKey>>;

/** The turn's receipt headers of a non-streamed drop-in answer. */
const turnOf = (headers: Headers) => ({
  turn: headers.get('x-memory-turn'),
  reason: headers.get('x-memory-turn-reason'),
  stored: Number(headers.get('x-memory-tokens-stored')),
});

/** A chat completion through the official openai SDK, with its headers; writes only (nothing injected, nothing read is billed). */
async function complete(key: Key, session: string, content: string, headers = {}) {
  const client = openAiClient(key.secret, {
    'x-session-id': session,
    'x-memory-mode': 'write',
    ...headers,
  });
  const { data, response } = await client.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content }] })
    .withResponse();
  return { answer: data.choices[0]!.message.content!, ...turnOf(response.headers) };
}

const TURN_FIELDS = `mutation($input: ChatInput!) {
  chat(input: $input) { content memory { storedMemoryTokens turn { stored memories memoryTokens reason } } }
}`;

/** A GraphQL chat mutation in the session vault, writing only. */
async function chatGraphql(key: Key, session: string, content: string) {
  const result = await postChat<{
    chat: {
      memory: {
        storedMemoryTokens: number;
        turn: { stored: boolean; memories: number; memoryTokens: number; reason: string | null };
      };
    };
  }>(key.secret, TURN_FIELDS, {
    model: 'gpt-4o',
    sessionId: session,
    memoryMode: 'WRITE',
    messages: [{ role: 'USER', content }],
  });
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

describe('a repeated turn is stored once', () => {
  beforeEach(resetFakes);

  it('a resent chat completion says duplicate, stores and bills nothing again (openai SDK)', async () => {
    const key = await newKey();
    const said = 'My sister Ines moved to Porto in March';
    const first = await complete(key, 'repeat-1', said);
    expect(first).toMatchObject({ turn: 'stored', reason: null });
    expect(first.stored).toBeGreaterThan(0);
    const billed = await usageTokens(key);
    expect(billed).toBe(first.stored);

    // A retry, and a resend whose whitespace differs: the same turn.
    const retry = await complete(key, 'repeat-1', said);
    const resent = await complete(key, 'repeat-1', `  My sister Ines moved\n to Porto in  March `);
    for (const again of [retry, resent])
      expect(again).toMatchObject({ turn: 'duplicate', reason: null, stored: 0 });
    expect(await usageTokens(key)).toBe(billed);
    expect(await sessionMemories(key, 'repeat-1')).toEqual([
      `USER: ${said}`,
      `ASSISTANT: ${first.answer}`,
    ]);

    // Something new is stored as ever; the same words in another vault too.
    expect((await complete(key, 'repeat-1', 'Ines works at a bakery')).turn).toBe('stored');
    expect((await complete(key, 'repeat-2', said)).turn).toBe('stored');
  });

  it('the same words in another Unicode form are the same turn (NFC and NFD)', async () => {
    const key = await newKey();
    const composed = 'We met at the Café Müller in Zürich'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const first = await complete(key, 'unicode', composed);
    expect(first.turn).toBe('stored');
    const billed = await usageTokens(key);
    expect(await complete(key, 'unicode', decomposed)).toMatchObject({
      turn: 'duplicate',
      stored: 0,
    });
    expect(await usageTokens(key)).toBe(billed);
    expect(await sessionMemories(key, 'unicode')).toEqual([
      `USER: ${composed}`,
      `ASSISTANT: ${first.answer}`,
    ]);
    // And the other way round, in a fresh vault.
    expect((await complete(key, 'unicode-2', decomposed)).turn).toBe('stored');
    expect((await complete(key, 'unicode-2', composed)).turn).toBe('duplicate');
  });

  it('two identical turns racing store one (Anthropic SDK)', async () => {
    const key = await newKey();
    const client = anthropic(key.secret, { 'x-session-id': 'race', 'x-memory-mode': 'write' });
    const ask = () =>
      client.messages
        .create({
          model: 'claude-sonnet-4',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'I am allergic to hazelnuts' }],
        })
        .withResponse();
    const answers = await Promise.all([ask(), ask(), ask()]);
    expect(answers.map(({ response }) => response.headers.get('x-memory-turn')).sort()).toEqual([
      'duplicate',
      'duplicate',
      'stored',
    ]);
    const stored = answers.map(({ response }) =>
      Number(response.headers.get('x-memory-tokens-stored')),
    );
    expect(await usageTokens(key)).toBe(stored.reduce((sum, tokens) => sum + tokens, 0));
    expect(await sessionMemories(key, 'race')).toEqual([
      'USER: I am allergic to hazelnuts',
      `ASSISTANT: ${(answers[0]!.data.content[0] as Anthropic.TextBlock).text}`,
    ]);
  });

  it('only what repeats is left out: a new answer to the same words is stored alone', async () => {
    const key = await newKey();
    const said = 'Remind me that the boiler service is on Friday';
    // The user's words are in the vault already, from a store of the
    // client's: a batch large enough to be written as one JSON statement
    // (sql-batch.ts), whose digests must match a turn's all the same.
    const others = Array.from({ length: 11 }, (_, at) => `Unrelated note number ${at}`);
    await key.api.request(StoreMemoriesDocument, {
      inputs: [...others, said].map((content) => ({
        content,
        vault: { kind: 'SESSION' as const, id: 'partly' },
      })),
    });
    const turn = await complete(key, 'partly', said);
    expect(turn.turn).toBe('stored');
    expect(await sessionMemories(key, 'partly')).toEqual([
      ...others.map((content) => `USER: ${content}`),
      `USER: ${said}`,
      `ASSISTANT: ${turn.answer}`,
    ]);
  });

  it('a memory older than 24 hours is no reason to leave a turn out', async () => {
    const key = await newKey();
    const said = 'We keep the spare key under the blue flowerpot';
    const vault = { kind: 'SESSION' as const, id: 'old' };
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: said, vault, createdAt: new Date(Date.now() - 25 * 3_600_000).toISOString() },
      ],
    });
    expect((await complete(key, 'old', said)).turn).toBe('stored');
  });

  it('a note stored by storeMemories within the last day is not stored again as a chat turn', async () => {
    const key = await newKey();
    const said = 'The boiler service is booked for Thursday morning';
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        {
          content: said,
          vault: { kind: 'SESSION', id: 'noted' },
          createdAt: new Date(Date.now() - 23 * 3_600_000).toISOString(),
        },
      ],
    });
    // The user's words are left out; the answer, new, is stored.
    const turn = await complete(key, 'noted', said);
    expect(await sessionMemories(key, 'noted')).toEqual([
      `USER: ${said}`,
      `ASSISTANT: ${turn.answer}`,
    ]);
  });

  it('a backdated import writes no digest for rows the check can no longer reach', async () => {
    const key = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'backdated' };
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'Said last year', vault, createdAt: at(24 * 365) },
        { content: 'Said two days ago', vault, createdAt: at(48) },
        { content: 'Said this morning', vault, createdAt: at(3) },
        { content: 'Said just now', vault },
      ],
    });
    const address: VaultAddress = { kind: 'SESSION', keyId: key.keyId, externalId: 'backdated' };
    const keyed = await runInDurableObject(
      env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))),
      (_object, state) =>
        state.storage.sql
          .exec<{ content: string; keyed: number }>(
            'SELECT content, content_key IS NOT NULL AS keyed FROM memories ORDER BY seq',
          )
          .toArray(),
    );
    expect(keyed).toEqual([
      { content: 'Said last year', keyed: 0 },
      { content: 'Said two days ago', keyed: 0 },
      { content: 'Said this morning', keyed: 1 },
      { content: 'Said just now', keyed: 1 },
    ]);
  });

  it('storeMemories keeps storing what it is given (its retries have idempotency keys)', async () => {
    const key = await newKey();
    const inputs = [{ content: 'Plain store', vault: { kind: 'SESSION' as const, id: 'plain' } }];
    await key.api.request(StoreMemoriesDocument, { inputs });
    await key.api.request(StoreMemoriesDocument, { inputs });
    expect(await sessionMemories(key, 'plain')).toEqual(['USER: Plain store', 'USER: Plain store']);
  });

  it('GraphQL chat reports the repeat in its turn receipt', async () => {
    const key = await newKey();
    const first = await chatGraphql(key, 'graphql-repeat', 'Our wedding anniversary is 12 June');
    expect(first.turn).toMatchObject({ stored: true, memories: 2, reason: null });
    const again = await chatGraphql(key, 'graphql-repeat', 'Our wedding anniversary is 12 June');
    expect(again.turn).toEqual({
      stored: false,
      memories: 0,
      memoryTokens: 0,
      reason: 'DUPLICATE',
    });
    expect(again.storedMemoryTokens).toBe(0);
    expect(await usageTokens(key)).toBe(first.turn.memoryTokens);
  });

  it('memories stored before the vault kept text digests count too (migration 17)', async () => {
    const key = await newKey();
    const said = 'The car is booked for its MOT on the 3rd';
    const first = await complete(key, 'migrated', said);
    expect(first.turn).toBe('stored');
    const address: VaultAddress = { kind: 'SESSION', keyId: key.keyId, externalId: 'migrated' };
    const previous = 16;
    expect(VAULT_MIGRATIONS.find(({ version }) => version === 17)).toBeDefined();
    await runInDurableObject(
      env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))),
      (object, state) => {
        const exec = (query: string, ...values: number[]) =>
          state.storage.sql.exec(query, ...values);
        // The vault as schema 16 left it: no digests.
        exec('DROP INDEX memories_by_content_key');
        exec('ALTER TABLE memories DROP COLUMN content_key');
        // eslint-disable-next-line no-restricted-syntax -- the schema version alone, read by migrate()
        exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", previous);
        (object as unknown as { life: { wake(): void } }).life.wake();
      },
    );
    expect((await complete(key, 'migrated', said)).turn).toBe('duplicate');
    expect(await sessionMemories(key, 'migrated')).toHaveLength(2);
  });

  it('memories a restore brought back count too (snapshots carry no digests)', async () => {
    const key = await newKey();
    const said = 'The allotment plot number is 42B';
    expect((await complete(key, 'restored', said)).turn).toBe('stored');
    const address: VaultAddress = { kind: 'SESSION', keyId: key.keyId, externalId: 'restored' };
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    // The writes settled and the snapshot due: the alarm writes it to R2.
    await runAlarm(stub, (state, object) =>
      writeMetaBeneath(object, state, ({ sql }) => {
        sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
        sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
      }),
    );
    const restored = await key.admin.request(RestoreVaultDocument, {
      keyId: key.keyId,
      vault: { kind: 'SESSION', id: 'restored' },
    });
    expect(restored.restoreVault.restored).toBe(2);
    expect((await complete(key, 'restored', said)).turn).toBe('duplicate');
    expect(await sessionMemories(key, 'restored')).toHaveLength(2);
  });
});

describe('small talk is not stored', () => {
  beforeEach(resetFakes);

  it('a greeting, thanks, an acknowledgement or an emoji stores and bills nothing', async () => {
    const key = await newKey();
    for (const said of ['hi', 'thanks!', 'ok', '👍', 'Thank you so much!', 'ok, great, thanks']) {
      const turn = await complete(key, 'chatter', said);
      expect(turn, said).toMatchObject({
        turn: 'not-stored',
        reason: 'NO_CONTENT_WORDS',
        stored: 0,
      });
    }
    expect(await usageTokens(key)).toBe(0);
    expect(await sessionMemories(key, 'chatter')).toEqual([]);
    // A word with content is a turn to remember.
    expect((await complete(key, 'chatter', 'thanks, the lasagne was great')).turn).toBe('stored');
  });

  it('yes, no, please and the greetings and thanks of es, fr, de, it and pt are small talk too', async () => {
    const key = await newKey();
    const chatter = [
      ...['Yes', 'No', 'yes please', 'no thanks', 'sure thing', 'Yep!', 'nope'],
      ...['Hola, gracias', 'Merci beaucoup', 'Danke', 'Oui', 'Sí', 'Grazie mille', 'Ciao!'],
      ...['Muito obrigada', 'Bonjour', 'Nein, danke schön', 'Buenos días', '🎉🎉', '...'],
    ];
    for (const said of chatter) {
      const turn = await complete(key, 'chatter-intl', said);
      expect(turn, said).toMatchObject({ turn: 'not-stored', reason: 'NO_CONTENT_WORDS' });
    }
    expect(await usageTokens(key)).toBe(0);
    expect(await sessionMemories(key, 'chatter-intl')).toEqual([]);
  });

  it('a statement made only of function words is stored', async () => {
    const key = await newKey();
    for (const said of ["I'm he/him", 'Never again', 'Not me', 'She is'])
      expect((await complete(key, 'function-words', said)).turn, said).toBe('stored');
    expect(
      (await sessionMemories(key, 'function-words')).filter((row) => row.startsWith('USER')),
    ).toEqual(["USER: I'm he/him", 'USER: Never again', 'USER: Not me', 'USER: She is']);
  });

  it('the answer is stored alone when asked for by name (X-Memory-Store-Response: true)', async () => {
    const key = await newKey();
    const turn = await complete(key, 'asked', 'hello', { 'x-memory-store-response': 'true' });
    expect(turn.turn).toBe('stored');
    expect(await sessionMemories(key, 'asked')).toEqual([`ASSISTANT: ${turn.answer}`]);
  });

  it('README offers GraphQL chat only what ChatInput has: no storeResponse', async () => {
    const key = await newKey();
    const result = await postChat(key.secret, TURN_FIELDS, {
      model: 'gpt-4o',
      storeResponse: true,
      messages: [{ role: 'USER', content: 'hello' }],
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'UNKNOWN_FIELD',
    });
    // So README's rules for what a turn stores name the drop-in header alone.
    const section = chatPage.slice(chatPage.indexOf('\n## What a turn stores\n'));
    const rules = section.slice(0, section.indexOf('\n## ', 1));
    expect(rules).toContain('X-Memory-Store-Response: true');
    expect(rules).not.toMatch(/`storeResponse: true`/u);
  });

  it('GraphQL chat says NO_CONTENT_WORDS', async () => {
    const key = await newKey();
    const memory = await chatGraphql(key, 'graphql-chatter', 'thanks!');
    expect(memory.turn).toEqual({
      stored: false,
      memories: 0,
      memoryTokens: 0,
      reason: 'NO_CONTENT_WORDS',
    });
    expect(await usageTokens(key)).toBe(0);
  });
});

describe('context documents marked for the prompt cache are not the user’s words', () => {
  beforeEach(resetFakes);

  const DOCUMENT = `House rules: ${'quiet hours after ten, no shoes inside; '.repeat(40)}`;

  it('/v1/messages stores the text blocks without cache_control (Anthropic SDK)', async () => {
    const key = await newKey();
    const client = anthropic(key.secret, { 'x-session-id': 'cached', 'x-memory-mode': 'write' });
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4',
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: DOCUMENT, cache_control: { type: 'ephemeral' } },
              { type: 'text', text: 'Can my cousin stay over on Saturday?' },
            ],
          },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    const answer = (data.content[0] as Anthropic.TextBlock).text;
    expect(await sessionMemories(key, 'cached')).toEqual([
      'USER: Can my cousin stay over on Saturday?',
      `ASSISTANT: ${answer}`,
    ]);
    // The provider still got every block, the document included.
    expect(answer).toContain('Can my cousin stay over on Saturday?');
  });

  it('when every text block carries cache_control, the last is the user’s', async () => {
    const key = await newKey();
    await anthropic(key.secret, {
      'x-session-id': 'all-cached',
      'x-memory-mode': 'write',
    }).messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: DOCUMENT, cache_control: { type: 'ephemeral' } },
            {
              type: 'text',
              text: 'Which rooms have a lock?',
              cache_control: { type: 'ephemeral' },
            },
          ],
        },
      ],
    });
    const stored = await sessionMemories(key, 'all-cached');
    expect(stored[0]).toBe('USER: Which rooms have a lock?');
    expect(stored).toHaveLength(2);
  });

  it('the last text block is the user’s words even with the cache breakpoint on it (Claude Code’s shape)', async () => {
    const key = await newKey();
    const client = anthropic(key.secret, {
      'x-session-id': 'breakpoint',
      'x-memory-mode': 'write',
    });
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4',
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'text',
                text: '<system-reminder>\nAs you answer, today is Friday.\n</system-reminder>',
              },
              {
                type: 'text',
                text: 'My manager is Carol Diaz',
                cache_control: { type: 'ephemeral' },
              },
            ],
          },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    const answer = (data.content[0] as Anthropic.TextBlock).text;
    expect(await sessionMemories(key, 'breakpoint')).toEqual([
      'USER: My manager is Carol Diaz',
      `ASSISTANT: ${answer}`,
    ]);
    // The provider still got the reminder.
    expect(answer).toContain('today is Friday');
  });

  it('an earlier block that is one tagged element is left out; other earlier blocks are kept', async () => {
    const key = await newKey();
    await anthropic(key.secret, {
      'x-session-id': 'tagged',
      'x-memory-mode': 'write',
    }).messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '<document source="lease.pdf">Rent is due monthly.</document>' },
            { type: 'text', text: 'Our landlord is Mr Okafor' },
            // Two elements with words between: the user's, formatted.
            { type: 'text', text: '<b>Warm</b> flat, <b>dry</b>' },
            { type: 'text', text: 'He lives upstairs' },
          ],
        },
      ],
    });
    expect((await sessionMemories(key, 'tagged'))[0]).toBe(
      'USER: Our landlord is Mr Okafor\n<b>Warm</b> flat, <b>dry</b>\nHe lives upstairs',
    );
  });

  it('OpenRouter’s cache_control on chat-completion text parts counts the same', async () => {
    const key = await newKey();
    const response = await postJson(
      '/v1/chat/completions',
      {
        model: 'openrouter/anthropic/claude-sonnet-4',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: DOCUMENT, cache_control: { type: 'ephemeral' } },
              { type: 'text', text: 'Is the garden shared?' },
            ],
          },
        ],
      },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-or-test',
        'x-session-id': 'openrouter-cached',
        'x-memory-mode': 'write',
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    const stored = await sessionMemories(key, 'openrouter-cached');
    expect(stored[0]).toBe('USER: Is the garden shared?');
    expect(stored).toHaveLength(2);
  });

  it('/v1/chat/completions text parts follow the same rule (openai SDK)', async () => {
    const key = await newKey();
    const client = openAiClient(key.secret, {
      'x-session-id': 'parts-breakpoint',
      'x-memory-mode': 'write',
    });
    const reminder = '<system-reminder>The user prefers metric units.</system-reminder>';
    await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: reminder },
            // OpenRouter's extension: the breakpoint on the last part.
            { type: 'text', text: 'I cycle 12 km to work', cache_control: { type: 'ephemeral' } },
          ] as OpenAI.ChatCompletionContentPartText[],
        },
      ],
    });
    expect((await sessionMemories(key, 'parts-breakpoint'))[0]).toBe('USER: I cycle 12 km to work');
  });
});

describe('a turn stores what it can (review201 F9)', () => {
  beforeEach(resetFakes);

  /** A non-streamed drop-in chat completion in a session vault, writing only. */
  async function written(key: Key, session: string, model: string, content: string) {
    const response = await postJson(
      '/v1/chat/completions',
      { model, messages: [{ role: 'user', content }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-session-id': session,
        'x-memory-mode': 'write',
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    return { answer: body.choices[0]!.message.content, ...turnOf(response.headers) };
  }

  it('a compatible model’s leading <think> block is not stored as its answer', async () => {
    const key = await newKey();
    const reply =
      '<think>\nThe user wants bakery names. Puns are good.\n</think>\n\nHow about Loaf Story?';
    await scriptFake({ host: 'llm.local.test', reply });
    const turn = await written(
      key,
      'think',
      'compatible/deepseek-r1',
      'Suggest a name for my bakery',
    );
    // The client gets the answer as the model sent it.
    expect(turn.answer).toBe(reply);
    expect(turn.turn).toBe('stored');
    // Before: the ASSISTANT memory began with the <think> block.
    expect(await sessionMemories(key, 'think')).toEqual([
      'USER: Suggest a name for my bakery',
      'ASSISTANT: How about Loaf Story?',
    ]);
  });

  it('a lone surrogate in the answer becomes U+FFFD; the user’s words are stored too', async () => {
    const key = await newKey();
    await scriptFake({ host: 'api.openai.com', reply: 'Tom \ud83d likes tuna' });
    const turn = await written(key, 'lone', 'gpt-4o', 'What does my cat Tom like to eat?');
    // Before: not-stored, INVALID_TEXT, and nothing in the vault.
    expect(turn.turn).toBe('stored');
    expect(await sessionMemories(key, 'lone')).toEqual([
      'USER: What does my cat Tom like to eat?',
      'ASSISTANT: Tom \ufffd likes tuna',
    ]);
  });

  it('a user message over the content limit is stored cut to fit, marked, with the answer', async () => {
    const key = await newKey();
    const limit = Number(env.MAX_CONTENT_BYTES);
    // Two-byte characters, so a cut in the middle of one would show.
    const pasted = 'kettle boils wäter quickly. '.repeat(Math.ceil((2 * limit) / 28));
    await scriptFake({ host: 'api.openai.com', reply: 'Noted: the kettle boils water quickly.' });
    const turn = await written(key, 'long', 'gpt-4o', pasted);
    // Before: not-stored, CONTENT_TOO_LARGE: the answer was dropped too.
    expect(turn.turn).toBe('stored');
    const [user, assistant] = await sessionMemories(key, 'long');
    const stored = user!.slice('USER: '.length);
    expect(stored.endsWith(' […truncated]')).toBe(true);
    expect(new TextEncoder().encode(stored).byteLength).toBeLessThanOrEqual(limit);
    expect(new TextEncoder().encode(stored).byteLength).toBeGreaterThan(limit - 32);
    expect(pasted.startsWith(stored.slice(0, -' […truncated]'.length))).toBe(true);
    expect(stored).not.toContain('\ufffd');
    expect(assistant).toBe('ASSISTANT: Noted: the kettle boils water quickly.');
  });
});
