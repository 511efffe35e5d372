import { beforeEach, describe, expect, it } from 'vitest';
import { ClearVaultDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { decodeReceipt, injectedMemories, openAiClient } from './helpers/drop-in';
import { BASE_URL, newKey, post, workerFetch } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';

// A conversation imported into the user's session with its own old dates
// (the docs' "Give each turn its date") is history a chat must still read:
// a chat that names no windows reads ARCHIVE in every vault it reads, not
// in CORE alone. Before, once the session held one live turn naming
// "Caroline", the 2023 turns were never injected again and nothing said so
// (outside review 273 F3, review-probes/chat-after-import.mjs).

type Key = Awaited<ReturnType<typeof newKey>>;

const RESEARCH = 'Caroline: Researching adoption agencies, it has been a lot of reading';
/** Old turns of the imported conversation, dated May 2023 (ARCHIVE from any server time now). */
const OLD_TURNS = [
  'Caroline: I went to a LGBTQ support group yesterday and it was so powerful',
  RESEARCH,
  'Melanie: That is wonderful, Caroline! Painting keeps me calm these days',
  'Caroline: Thanks Mel, I am thinking about a counseling career',
];

async function importOld(key: Key, session: string): Promise<void> {
  const lines = OLD_TURNS.map((content, at) =>
    JSON.stringify({ content, createdAt: new Date(Date.UTC(2023, 4, 8, 13, at)).toISOString() }),
  );
  const response = await workerFetch(`${BASE_URL}/v1/vaults/session/${session}/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.secret}` },
    body: `${lines.join('\n')}\n`,
  });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { imported: number }).imported).toBe(OLD_TURNS.length);
}

const CHAT = `mutation($input: ChatInput!) {
  chat(input: $input) {
    memory {
      memoryTokens
      hits { window memory { content } }
      notice { reason }
    }
  }
}`;

interface Memory {
  memoryTokens: number;
  hits: { window: string; memory: { content: string } }[];
  notice: { reason: string } | null;
}

/** A chat as the docs' example makes it: a session, no windows, no `now`. */
async function chat(key: Key, session: string, content: string, mode = 'READ_WRITE') {
  const result = await postChat<{ chat: { memory: Memory } }>(key.secret, CHAT, {
    model: 'openai/gpt-4o',
    sessionId: session,
    memoryMode: mode,
    messages: [{ role: 'USER', content }],
  });
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

describe('a chat reads the history imported into its session (review 273 F3)', () => {
  beforeEach(resetFakes);

  it('GraphQL: after a live turn naming Caroline, "What did Caroline research?" still injects the 2023 answer, in the receipt', async () => {
    const key = await newKey();
    await importOld(key, 'conv-app');
    // The app's own live turn: recent, naming Caroline, so the default
    // windows find something (before: the only hint, the notice, went).
    await chat(key, 'conv-app', 'How is Caroline doing these days?');
    await resetFakes();
    const memory = await chat(key, 'conv-app', 'What did Caroline research?', 'READ');
    expect(memory.hits).toContainEqual({ window: 'ARCHIVE', memory: { content: RESEARCH } });
    expect(memory.memoryTokens).toBeGreaterThan(0);
    expect(await injectedMemories()).toContain(RESEARCH);
  });

  it('drop-in (X-Session-Id, no X-Memory-Windows): the same answer is injected and in X-Memory-Receipt', async () => {
    const key = await newKey();
    await importOld(key, 'conv-drop');
    await chat(key, 'conv-drop', 'How is Caroline doing these days?');
    await resetFakes();
    const openai = openAiClient(key.secret, {
      'x-session-id': 'conv-drop',
      'x-memory-mode': 'read',
    });
    const { response } = await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What did Caroline research?' }],
      })
      .withResponse();
    expect(await injectedMemories()).toContain(RESEARCH);
    // The receipt lists what was injected: the session's ARCHIVE among it.
    const receipt = decodeReceipt(response.headers.get('x-memory-receipt')) as {
      hits: { window: string; vault: string }[];
    };
    expect(receipt.hits).toContainEqual(
      expect.objectContaining({ window: 'ARCHIVE', vault: 'session:conv-drop' }),
    );
  });

  it('windows the chat names are read exactly: without ARCHIVE, the imported answer is not injected', async () => {
    const key = await newKey();
    await importOld(key, 'conv-named');
    const result = await postChat<{ chat: { memory: Memory } }>(key.secret, CHAT, {
      model: 'openai/gpt-4o',
      sessionId: 'conv-named',
      memoryMode: 'READ',
      windows: [
        { window: 'HOT', limit: 4 },
        { window: 'LONG_TERM', limit: 4 },
      ],
      messages: [{ role: 'USER', content: 'What did Caroline research?' }],
    });
    expect(result.errors).toBeUndefined();
    const memory = result.data!.chat.memory;
    expect(memory.hits).toEqual([]);
    expect(memory.notice?.reason).toBe('OLDER_MEMORIES_NOT_SEARCHED');
    expect(await injectedMemories()).toEqual([]);
  });
});

const SEARCH = `query($input: SearchInput!) {
  search(input: $input) { memoryTokens hits { memory { content } } notice { reason message } }
}`;

interface Searched {
  memoryTokens: number;
  hits: { memory: { content: string } }[];
  notice: { reason: string; message: string } | null;
}

async function search(key: Key, vaults: unknown[], query = 'adoption agencies') {
  const result = await post<{ search: Searched }>(
    SEARCH,
    { input: { query, vaults, windows: [{ window: 'ARCHIVE', limit: 5 }] } },
    key.secret,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search;
}

describe('search of a vault never written (a mistyped session id; review 273 F4)', () => {
  it('says VAULT_NOT_FOUND naming it, when every vault searched was never written', async () => {
    const key = await newKey();
    await importOld(key, 'conv-26');
    const typo = await search(key, [{ kind: 'SESSION', id: 'conv26' }]);
    expect(typo.hits).toEqual([]);
    expect(typo.memoryTokens).toBe(0);
    expect(typo.notice?.reason).toBe('VAULT_NOT_FOUND');
    expect(typo.notice?.message).toContain('session:conv26');
    const two = await search(key, [
      { kind: 'SESSION', id: 'conv26' },
      { kind: 'EPHEMERAL', id: 'conv-x' },
    ]);
    expect(two.notice?.reason).toBe('VAULT_NOT_FOUND');
    expect(two.notice?.message).toMatch(/session:conv26.*ephemeral:conv-x/);
    // The vault's right name finds the answer, and says nothing.
    const right = await search(key, [{ kind: 'SESSION', id: 'conv-26' }]);
    expect(right.hits.map((hit) => hit.memory.content)).toContain(RESEARCH);
    expect(right.notice).toBeNull();
    // One vault written among those searched: its answer (here none) stands unnoticed.
    const mixed = await search(
      key,
      [
        { kind: 'SESSION', id: 'conv-26' },
        { kind: 'SESSION', id: 'conv26' },
      ],
      'spare house keys',
    );
    expect(mixed.hits).toEqual([]);
    expect(mixed.notice).toBeNull();
    // A vault cleared holds nothing either (its meta record is wiped with it): said alike.
    await key.api.request(ClearVaultDocument, { selector: { kind: 'SESSION', id: 'conv-26' } });
    const cleared = await search(key, [{ kind: 'SESSION', id: 'conv-26' }]);
    expect(cleared.notice).toMatchObject({
      reason: 'VAULT_NOT_FOUND',
      message: expect.stringMatching(
        /holds nothing \(session:conv-26\): never written, or cleared/,
      ),
    });
  });

  it('a chat in a new session is normal: no notice for it', async () => {
    const key = await newKey();
    const memory = await chat(key, 'brand-new', 'What did Caroline research?', 'READ');
    expect(memory.hits).toEqual([]);
    expect(memory.notice).toBeNull();
  });
});
