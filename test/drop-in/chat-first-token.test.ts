import { beforeEach, describe, expect, it } from 'vitest';
import { SetProviderKeyDocument } from '../generated/graphql';
import { eventually, resetFakes } from '../helpers/fakes';
import { postChat } from '../helpers/graphql-chat';
import {
  keyWithMemory,
  postJson,
  upstreamCalls,
  usageTokens,
  vaultContents,
} from '../helpers/drop-in';
import {
  forgetSealedKeys,
  recalledSealedKeys,
  rememberSealedKeys,
  SEALED_KEY_CAP,
  SEALED_KEY_TTL_MS,
  sealedKeyEntryCount,
} from '../../src/resolvers/chat/sealed-keys';

type Key = Awaited<ReturnType<typeof keyWithMemory>>;

/** A Server-Timing value's phase names, in order. */
const phaseNames = (header: string | null) =>
  (header ?? '').split(', ').map((entry) => entry.split(';')[0]);

const streamedChat = (key: Key, content: string, headers: Record<string, string> = {}) =>
  postJson(
    '/v1/chat/completions',
    {
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content }],
    },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      'x-session-id': 'first-token',
      ...headers,
    },
  );

describe('a drop-in chat up to its first token', () => {
  beforeEach(resetFakes);

  it('says where its time went, passes the stream through and stores the turn', async () => {
    const key = await keyWithMemory();
    const response = await streamedChat(key, 'where does the user live, Lisbon?');
    expect(response.status).toBe(200);
    // Metering is not among them: it starts once the client has the first event.
    expect(phaseNames(response.headers.get('server-timing'))).toEqual([
      'auth',
      'parse',
      'key',
      'embed',
      'vault',
      'search',
      'hydrate',
      'prompt',
      'provider',
      'firstbyte',
      'total',
    ]);
    expect(Number(response.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
    const text = await response.text();
    expect(text).toMatch(/^data: \{/);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    // The client's own field reached the provider (stream_options), ours did not.
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body.stream_options).toEqual({ include_usage: true });
    expect(call!.rawBody).not.toMatch(/session_id|memory_mode/);
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'where does the user live Lisbon', {
          kind: 'SESSION',
          id: 'first-token',
        }),
      ).toContain('where does the user live, Lisbon?'),
    );
  });

  it('bills a client that leaves after the first event for the memory the provider was given, once', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    const response = await streamedChat(key, 'tell me where the user lives', {
      'x-memory-mode': 'read',
    });
    const injected = Number(response.headers.get('x-memory-tokens'));
    expect(injected).toBeGreaterThan(0);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{/);
    await reader.cancel();
    await eventually(async () => expect(await usageTokens(key)).toBe(before + injected));
    // A later call is billed on its own: the first was counted once.
    const again = await streamedChat(key, 'and where does the user live now', {
      'x-memory-mode': 'read',
    });
    const second = Number(again.headers.get('x-memory-tokens'));
    expect(second).toBeGreaterThan(0);
    await again.text();
    // Read to its end, a stream ends only once its usage is durable.
    expect(await usageTokens(key)).toBe(before + injected + second);
  });

  it('the GraphQL chat names its key and provider phases, and its meter once the answer is whole', async () => {
    const key = await keyWithMemory();
    const body = await postChat<{ chat: { content: string } }>(
      key.secret,
      'mutation($input: ChatInput!) { chat(input: $input) { content } }',
      {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'where does the user live?' }],
        memoryMode: 'READ',
      },
    );
    expect(body.data!.chat.content).toMatch(/^Fake /);
    expect(phaseNames(body.headers.get('server-timing'))).toEqual(
      expect.arrayContaining(['auth', 'parse', 'key', 'vault', 'provider', 'meter', 'total']),
    );
  });

  it('uses a stored key set again at once, though the last one was remembered', async () => {
    const { secret, admin } = await keyWithMemory();
    const ask = () =>
      postJson(
        '/v1/chat/completions',
        { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] },
        { authorization: `Bearer ${secret}` },
      );
    await admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: 'sk-first-stored-key-1111' },
    });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    await admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: 'sk-second-stored-key-2222' },
    });
    const replaced = await ask();
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('server-timing')).toMatch(/(^|, )key;dur=/);
    expect(
      (await upstreamCalls('api.openai.com')).map((call) => call.headers.authorization),
    ).toEqual([
      'Bearer sk-first-stored-key-1111',
      'Bearer sk-first-stored-key-1111',
      'Bearer sk-second-stored-key-2222',
    ]);
  });
});

describe('stored provider keys remembered in the isolate', () => {
  const row = (sealed: string) => [{ scope: '', sealed }];

  it('are kept sealed for SEALED_KEY_TTL_MS, and forgotten for the whole account at once', () => {
    const now = 1_000_000;
    rememberSealedKeys('acct-a', 'key-1', 'openai', row('v1.sealed-a1'), now);
    rememberSealedKeys('acct-a', 'key-2', 'openai', row('v1.sealed-a2'), now);
    rememberSealedKeys('acct-b', 'key-3', 'openai', row('v1.sealed-b'), now);
    expect(recalledSealedKeys('acct-a', 'key-1', 'openai', now + SEALED_KEY_TTL_MS - 1)).toEqual(
      row('v1.sealed-a1'),
    );
    expect(recalledSealedKeys('acct-a', 'key-1', 'anthropic', now)).toBeNull();
    expect(recalledSealedKeys('acct-a', 'key-1', 'openai', now + SEALED_KEY_TTL_MS)).toBeNull();
    forgetSealedKeys('acct-a');
    expect(recalledSealedKeys('acct-a', 'key-2', 'openai', now)).toBeNull();
    expect(recalledSealedKeys('acct-b', 'key-3', 'openai', now)).toEqual(row('v1.sealed-b'));
    forgetSealedKeys('acct-b');
  });

  it('keep nothing when no key was found, and at most SEALED_KEY_CAP entries', () => {
    rememberSealedKeys('acct-none', 'key-1', 'openai', []);
    expect(recalledSealedKeys('acct-none', 'key-1', 'openai')).toBeNull();
    const start = sealedKeyEntryCount();
    for (let i = 0; i < SEALED_KEY_CAP + 5; i++) {
      rememberSealedKeys('acct-many', `key-${i}`, 'openai', row(`v1.sealed-${i}`));
    }
    expect(sealedKeyEntryCount()).toBe(SEALED_KEY_CAP);
    // The oldest went first.
    expect(recalledSealedKeys('acct-many', 'key-0', 'openai')).toBeNull();
    expect(recalledSealedKeys('acct-many', `key-${SEALED_KEY_CAP + 4}`, 'openai')).not.toBeNull();
    forgetSealedKeys('acct-many');
    expect(sealedKeyEntryCount()).toBeLessThanOrEqual(start);
  });
});
