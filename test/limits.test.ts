import { describe, expect, it } from 'vitest';
import apiPage from '../docs/api.md?raw';
import printed from '../schema.graphql?raw';
import {
  CREATED_AT_FUTURE_SLACK_MS,
  DEFAULT_MAX_CONTENT_BYTES,
  DEFAULT_PAGE_SIZE,
  DEFAULT_VAULT_MAX_HOT_MIB,
  DEFAULT_VAULT_MAX_MEMORIES,
  EXTERNAL_ID,
  IDEMPOTENCY_KEY,
  IDEMPOTENCY_WINDOW_MS,
  LOCAL_ID,
  MAX_EMBEDDING_DIMENSIONS,
  MAX_FILTER_KEYS,
  MAX_HITS_PER_WINDOW,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
  MAX_PAGE_SIZE,
  MAX_LISTED_VAULTS,
  MAX_OPERATIONS_PER_SOCKET,
  MAX_SUBSCRIPTIONS_PER_VAULT,
  MAX_ACTIVE_MEMORY_KEYS,
  DEFAULT_LISTED_VAULTS,
  MAX_QUERY_LENGTH,
  MAX_SEARCH_VAULTS,
  MAX_SEARCH_WINDOWS,
  MAX_STORE_BATCH,
  vaultCapacity,
} from '../src/core/limits';
import { maxImportLineBytes } from '../src/vaults/jsonl';
import { MAX_CHAT_CHARACTERS, MAX_CHAT_MESSAGES } from '../src/resolvers/chat/pipeline';
import { IMPORT_BATCH } from '../src/resolvers/import-memories';

/** docs/api.md's "Limits" row whose first cell starts with `what`. */
function row(what: string): string {
  const table = apiPage.slice(apiPage.indexOf('\n## Limits\n'));
  const line = table.split('\n').find((text) => text.startsWith(`| ${what}`));
  if (line === undefined) throw new Error(`docs/api.md "Limits" has no row "${what}"`);
  return line;
}

const thousands = (value: number) => value.toLocaleString('en-US');

describe('the limits, written once', () => {
  it('are the numbers the docs/api.md table gives', () => {
    expect(row('memory content')).toContain(`${DEFAULT_MAX_CONTENT_BYTES / 1024} KiB`);
    expect(row('metadata')).toContain(`${MAX_METADATA_BYTES / 1024} KiB`);
    expect(row('idempotency key')).toContain(`${IDEMPOTENCY_WINDOW_MS / 3_600_000} hours`);
    expect(IDEMPOTENCY_KEY.source).toContain('{1,255}');
    expect(row('metadata')).toContain(`${MAX_METADATA_DEPTH} levels`);
    expect(row('memory keys per account')).toContain(
      `${thousands(MAX_ACTIVE_MEMORY_KEYS)} not revoked`,
    );
    expect(row('operations per WebSocket')).toContain(`${MAX_OPERATIONS_PER_SOCKET} at once`);
    expect(row('live subscriptions per vault')).toContain(
      `${MAX_SUBSCRIPTIONS_PER_VAULT} \`memoryEvents\` at once`,
    );
    expect(CREATED_AT_FUTURE_SLACK_MS).toBe(60_000);
    expect(row('`createdAt`')).toContain('a minute ahead');
    expect(row('ids')).toContain(
      EXTERNAL_ID.source
        .match(/\{(\d+),(\d+)\}/)!
        .slice(1)
        .join('–'),
    );
    expect(row('ids')).toContain(
      LOCAL_ID.source
        .match(/\{(\d+),(\d+)\}/)!
        .slice(1)
        .join('–'),
    );
    expect(row('`storeMemories` batch')).toContain(`${MAX_STORE_BATCH} inputs`);
    const search = row('search');
    expect(search).toContain(`${MAX_SEARCH_VAULTS} vaults`);
    expect(search).toContain(`${MAX_SEARCH_WINDOWS} windows`);
    expect(search).toContain(`${MAX_HITS_PER_WINDOW} hits per window`);
    expect(search).toContain(`query ≤ ${thousands(MAX_QUERY_LENGTH)} characters`);
    expect(search).toContain(`≤ ${MAX_FILTER_KEYS} scalar keys`);
    expect(row('page size')).toContain(`1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}`);
    expect(row('`vaults` list')).toContain(
      `${thousands(MAX_LISTED_VAULTS)} vaults (\`first\`, default ${DEFAULT_LISTED_VAULTS})`,
    );
    expect(row('caller-supplied embedding')).toContain(
      `≤ ${thousands(MAX_EMBEDDING_DIMENSIONS)} dimensions`,
    );
    const perVault = row('memories per vault');
    const defaults = {
      vaultMaxMemories: DEFAULT_VAULT_MAX_MEMORIES,
      vaultMaxHotBytes: DEFAULT_VAULT_MAX_HOT_MIB * 1024 * 1024,
    };
    expect(perVault).toContain(`(${thousands(DEFAULT_VAULT_MAX_MEMORIES)})`);
    expect(perVault).toContain(`(${DEFAULT_VAULT_MAX_HOT_MIB} MiB)`);
    expect(perVault).toContain(`${thousands(vaultCapacity(defaults, 384))} at 384 dimensions`);
    expect(perVault).toContain(`${thousands(vaultCapacity(defaults, 768))} at 768`);
    // Before: neither cap was in the table (review201 F11).
    const chat = row('chat messages');
    expect(chat).toContain(`${MAX_CHAT_MESSAGES} messages`);
    expect(chat).toContain(`${thousands(MAX_CHAT_CHARACTERS)} characters`);
    expect(chat).toContain('`TOO_MANY_MESSAGES`');
    expect(chat).toContain('`MESSAGES_TOO_LONG`');
    const importRow = row('import');
    expect(importRow).toContain(`${IMPORT_BATCH} lines at a time`);
    expect(importRow).toContain(
      `(${maxImportLineBytes(DEFAULT_MAX_CONTENT_BYTES) / 1024} KiB by default)`,
    );
  });

  it('are the numbers the GraphQL schema documents', () => {
    expect(printed).toContain(`Stores up to ${MAX_STORE_BATCH} memories`);
    expect(printed).toContain(`Hits from this window, 0–${MAX_HITS_PER_WINDOW}.`);
    expect(printed).toContain(`What to look for (1–${MAX_QUERY_LENGTH} characters).`);
    expect(printed).toContain(`Vaults to search, 1–${MAX_SEARCH_VAULTS};`);
    expect(printed).toContain(`Page size, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`);
    expect(printed).toContain(`(at most ${MAX_METADATA_BYTES / 1024} KiB)`);
  });
});
