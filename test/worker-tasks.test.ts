import { describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { newKey } from './helpers/graphql';
import { chatClient } from './helpers/graphql-chat';
import { workerTaskCounts } from './helpers/worker-tasks';

describe("the Worker's waitUntil work in tests (test/setup/worker-tasks.ts)", () => {
  it('is recorded, and resetFakes returns only once it settled', async () => {
    const { secret, api } = await newKey();
    const chat = chatClient(secret, 'sk-test-openai');
    const before = workerTaskCounts().recorded;
    await chat.request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'where did I leave the kayak?' }],
        sessionId: 'tasks',
      },
    });
    // The turn is remembered in ctx.waitUntil, which the wrapper saw.
    expect(workerTaskCounts().recorded).toBeGreaterThan(before);
    await resetFakes();
    expect(workerTaskCounts().pending).toBe(0);
    // So the turn is in the session vault at once, with no polling.
    const found = await api.request(SearchDocument, {
      input: { query: 'kayak', vaults: [{ kind: 'SESSION', id: 'tasks' }], mode: 'TEXT' },
    });
    expect(found.search.hits.map((hit) => hit.memory.content).sort()).toEqual([
      'Fake api.openai.com heard: where did I leave the kayak?',
      'where did I leave the kayak?',
    ]);
  });
});
