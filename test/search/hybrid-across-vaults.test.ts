import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { fakeCalls, resetFakes } from '../helpers/fakes';
import { postJson } from '../helpers/drop-in';
import { newKey } from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';

/**
 * HYBRID scores mean the same in every vault, so a search (or chat's memory
 * read) over CORE and a session ranks the session's answer above CORE's
 * unrelated notes. The outside review's repro: CORE's window had no word of
 * the query, its vectors were stretched to [0, 1] and its best unrelated
 * note scored 1.0 against the answer's 0.7.
 */
const CORE_NOTES = [
  'Standup is at nine thirty',
  'Gym membership expires soon',
  'Wifi password is on the fridge',
  'Dentist appointment next Tuesday',
  'The printer on floor two is broken',
  'Renew the car insurance in March',
  'Team lunch moved to Friday',
  'Water the plants on the balcony',
  'Quarterly report is due at month end',
  'Buy batteries for the smoke alarm',
];
const SESSION_NOTES = [
  'My favourite colour is teal',
  'I drive a blue Honda',
  'My sister lives in Leeds',
];
const ANSWER = 'My favourite colour is teal';
const QUESTION = 'What is my favourite colour?';
const SESSION = { kind: 'SESSION' as const, id: 'u1' };

async function accountWithNotes() {
  const key = await newKey();
  await key.api.request(StoreMemoriesDocument, {
    inputs: [
      ...CORE_NOTES.map((content) => ({ content })),
      ...SESSION_NOTES.map((content) => ({ content, vault: SESSION })),
    ],
  });
  return key;
}

describe('HYBRID search across vaults', () => {
  beforeEach(resetFakes);

  it("ranks the session's answer above CORE's unrelated notes, in every mode", async () => {
    const { api } = await accountWithNotes();
    for (const mode of ['HYBRID', 'TEXT', 'VECTOR'] as const) {
      for (const windows of [[{ window: 'HOT' as const, limit: 3 }], undefined]) {
        const { search } = await api.request(SearchDocument, {
          input: { query: QUESTION, vaults: [{ kind: 'CORE' }, SESSION], mode, windows },
        });
        expect(search.hits[0]?.memory.content, `${mode}, limit ${windows?.[0]?.limit}`).toBe(
          ANSWER,
        );
      }
    }
  });

  it('does not present unrelated memories as matches when no word of the query is in the vault', async () => {
    const { api } = await accountWithNotes();
    const { search } = await api.request(SearchDocument, {
      input: {
        query: QUESTION,
        vaults: [{ kind: 'CORE' }],
        windows: [{ window: 'HOT', limit: 5 }],
      },
    });
    // No word of the question and no note standing out by meaning: no evidence, no hit.
    expect(search.hits).toEqual([]);
    const { search: answered } = await api.request(SearchDocument, {
      input: { query: QUESTION, vaults: [SESSION], windows: [{ window: 'HOT', limit: 1 }] },
    });
    expect(answered.hits[0]!.memory.content).toBe(ANSWER);
    expect(answered.hits[0]!.score).toBeGreaterThan(0);
  });

  it("chat injects the session's answer before CORE's notes", async () => {
    const { secret } = await accountWithNotes();
    const chat = chatClient(secret, 'sk-test-openai');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: QUESTION }],
        sessionId: 'u1',
        memoryMode: 'READ',
      },
    });
    expect(result.memory.hits[0]?.memory.content).toBe(ANSWER);
    // What the provider received: the answer comes first in the memory block.
    const [call] = (await fakeCalls()).filter((seen) => seen.host === 'api.openai.com');
    expectAnswerFirst(String(call!.body.messages![0]!.content));
  });

  it("the drop-in route's memory block puts the session's answer before CORE's notes", async () => {
    const { secret } = await accountWithNotes();
    const response = await postJson(
      '/v1/chat/completions',
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: QUESTION }],
        session_id: 'u1',
        memory_mode: 'read',
      },
      { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test' },
    );
    expect(response.status).toBe(200);
    const [call] = (await fakeCalls()).filter((seen) => seen.host === 'api.openai.com');
    expectAnswerFirst(String(call!.body.messages![0]!.content));
  });
});

/** The provider's memory block holds the answer, and every CORE note it holds comes after it. */
function expectAnswerFirst(block: string): void {
  const placeOf = (content: string) => block.indexOf(`"${content}"`);
  expect(placeOf(ANSWER)).toBeGreaterThan(-1);
  for (const note of CORE_NOTES) {
    const at = placeOf(note);
    if (at !== -1) expect(at, note).toBeGreaterThan(placeOf(ANSWER));
  }
}
