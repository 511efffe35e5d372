/**
 * Where a vault's store of a batch of 100 memories spends its time, inside
 * workerd: LoCoMo turns ("<speaker>: <text>", in order, with their session
 * dates) embedded beforehand with the deployment's local embedder, then
 * stored through the vault object's store RPC in batches of 100.
 *
 * The object's parts are wrapped in place (runInDurableObject) so each batch
 * reports its phases: rows (the INSERT, FTS5 trigger included), the FTS5
 * share measured alone on a scratch table with the same tokenizer, meta,
 * events, the hot index's vectors, the text timeline (neighbour context,
 * kept only once the vault has been searched by text), usage and the
 * after-change planning. Two vaults take the same batches in turns: one never
 * searched, one searched by text before every batch. workerd's clock ticks
 * in whole milliseconds; a phase's figure is its mean over every batch.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { countTokens } from '../src/core/tokens';
import { Sql } from '../src/durable/sqlite/sql';
import { insertRows, insertRowsInOneStatement } from '../src/durable/sqlite/sql-batch';
import type { VaultObject } from '../src/durable/vault/vault-object';
import { createEmbedder } from '../src/embed';
import { embedPassageVectors } from '../src/embed/memory-vectors';
import { chunkSpans } from '../src/text/chunks';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { ms } from './measure';

const BATCH_SIZE = 100;
/** Batches stored into each vault (the dataset's turns are reused, with new dates, past its end). */
const BATCHES = 60;

type Phase =
  | 'rows + FTS5'
  | 'meta'
  | 'events'
  | 'hot vectors'
  | 'text timeline'
  | 'usage'
  | 'after change'
  | 'checks + rest'
  | 'open';

/** Time per phase, summed over the batches a vault took. */
type Ledger = Map<Phase, number>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Internals = any;
type VaultStub = ReturnType<typeof env.VAULT.get>;

/** Replaces `target[name]` with a version that adds its time to `ledger[phase]`. */
function timed(ledger: Ledger, phase: Phase, target: Internals, name: string): void {
  const original = target[name].bind(target);
  target[name] = (...args: unknown[]) => {
    const started = performance.now();
    try {
      return original(...args);
    } finally {
      ledger.set(phase, (ledger.get(phase) ?? 0) + performance.now() - started);
    }
  };
}

/** Wraps the vault's parts so that its stores fill `ledger`. */
async function instrument(stub: VaultStub, ledger: Ledger): Promise<void> {
  await runInDurableObject(stub, (instance: VaultObject) => {
    const { writes, hot, life, usage } = instance as Internals;
    timed(ledger, 'rows + FTS5', writes.rows, 'insert');
    timed(ledger, 'meta', writes.meta, 'update');
    timed(ledger, 'events', writes.events, 'append');
    // A batch's ADDED events (memory-events.ts) go through appendAdded (its
    // rows are one run of seqs here, so it never falls back to append).
    timed(ledger, 'events', writes.events, 'appendAdded');
    timed(ledger, 'usage', usage, 'record');
    timed(ledger, 'after change', life, 'afterChange');
    timed(ledger, 'open', life, 'open');
    // hot.added: the vector index's insert, and (for a searched vault) the
    // timeline and postings cache updates that follow it.
    const added = hot.added.bind(hot);
    hot.added = (...args: unknown[]) => {
      const index = hot.vectorsFor((args as [unknown, unknown, number])[2]);
      const insert = index.insert.bind(index);
      let vectors = 0;
      index.insert = (...rows: unknown[]) => {
        const started = performance.now();
        try {
          return insert(...rows);
        } finally {
          vectors += performance.now() - started;
        }
      };
      const started = performance.now();
      try {
        return added(...args);
      } finally {
        index.insert = insert;
        const total = performance.now() - started;
        ledger.set('hot vectors', (ledger.get('hot vectors') ?? 0) + vectors);
        ledger.set('text timeline', (ledger.get('text timeline') ?? 0) + total - vectors);
      }
    };
    // storeWith: what the object's store RPC calls (store() is the same, less the meta hand-over).
    const store = writes.storeWith.bind(writes);
    writes.storeWith = (...args: unknown[]) => {
      const before = [...ledger.values()].reduce((sum, value) => sum + value, 0);
      const started = performance.now();
      try {
        return store(...args);
      } finally {
        const inner = [...ledger.values()].reduce((sum, value) => sum + value, 0) - before;
        const rest = performance.now() - started - inner;
        ledger.set('checks + rest', (ledger.get('checks + rest') ?? 0) + rest);
      }
    };
  });
}

it('bulk store into one vault, batches of 100 LoCoMo turns', async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) {
    console.log('\n  no LoCoMo file (LOCOMO_FILE): bulk store benchmark skipped\n');
    return;
  }
  const embedder = createEmbedder(env);
  const turns = conversations.flatMap((c) =>
    c.turns.map((t) => ({ content: `${t.speaker}: ${t.text}`, createdAt: t.createdAt })),
  );
  const unique = Math.min(turns.length, BATCHES * BATCH_SIZE);

  // The Worker's share: counting tokens, and the chunking and embedding the
  // resolver does (`chunkSpans` once to size each memory's hot rows, then
  // `embedPassageVectors`). A first pass loads the tables; the second is timed.
  const worker = { tokenize: 0, chunks: 0, embed: 0 };
  const tokens: number[] = [];
  const vectors: Float32Array[] = [];
  for (const timed of [false, true]) {
    for (let start = 0; start < unique; start += BATCH_SIZE) {
      const texts = turns.slice(start, start + BATCH_SIZE).map((turn) => turn.content);
      const started = performance.now();
      const counted = await Promise.all(texts.map((text) => countTokens(text)));
      const tokenized = performance.now();
      for (const text of texts) chunkSpans(text);
      const chunked = performance.now();
      const embedded = await embedPassageVectors(embedder, texts);
      if (timed) {
        worker.tokenize += tokenized - started;
        worker.chunks += chunked - tokenized;
        worker.embed += performance.now() - chunked;
        tokens.push(...counted);
        vectors.push(...embedded.map(({ vector }) => vector));
      }
    }
  }
  const workerBatches = Math.ceil(unique / BATCH_SIZE);

  const vault = (name: string) => {
    const address: VaultAddress = { kind: 'SESSION', keyId: 'bench', externalId: name };
    return { address, stub: env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))) };
  };
  const variants = [
    { label: 'vault never searched', ...vault('bulk-quiet'), searched: false },
    { label: 'vault searched by text', ...vault('bulk-searched'), searched: true },
  ].map((variant) => ({ ...variant, ledger: new Map() as Ledger, storeMs: 0 }));
  for (const variant of variants) await instrument(variant.stub, variant.ledger);

  const batchOf = (b: number) =>
    Array.from({ length: BATCH_SIZE }, (_, i) => {
      const n = b * BATCH_SIZE + i;
      const turn = turns[n % unique]!;
      return {
        content: turn.content,
        role: 'USER' as const,
        metadata: null,
        // Past the dataset's end the turns repeat a year later each round.
        createdAt: turn.createdAt + Math.floor(n / unique) * 365 * 86_400_000,
        tokens: tokens[n % unique]!,
        vector: vectors[n % unique]!,
        callerVector: false,
      };
    });
  for (let b = 0; b < BATCHES; b++) {
    const memories = batchOf(b);
    for (const variant of variants) {
      if (variant.searched) {
        const found = await variant.stub.search(variant.address, [
          {
            text: 'birthday party',
            vector: null,
            model: embedder.model,
            mode: 'TEXT',
            windows: [{ window: 'ARCHIVE', after: null, until: Date.now(), limit: 10 }],
            metadata: null,
            vectorWeight: 0,
          },
        ]);
        if (!found.ok) throw new Error(found.message);
      }
      const started = performance.now();
      const stored = await variant.stub.store(variant.address, {
        memories,
        model: embedder.model,
        dimensions: embedder.dimensions,
      });
      variant.storeMs += performance.now() - started;
      if (!stored.ok) throw new Error(stored.message);
    }
  }

  // The FTS5 share alone: the same batches into a scratch index, same tokenizer.
  const ftsMs = await runInDurableObject(variants[0]!.stub, (_: VaultObject, state) => {
    const sql = state.storage.sql;
    sql.exec(
      "CREATE VIRTUAL TABLE IF NOT EXISTS bench_fts USING fts5(content, tokenize = 'porter unicode61')",
    );
    const started = performance.now();
    for (let b = 0; b < BATCHES; b++) {
      state.storage.transactionSync(() => {
        for (const memory of batchOf(b)) {
          sql.exec('INSERT INTO bench_fts (content) VALUES (?)', memory.content);
        }
      });
    }
    const elapsed = performance.now() - started;
    sql.exec('DROP TABLE bench_fts');
    return elapsed;
  });

  const phases: Phase[] = [
    'rows + FTS5',
    'meta',
    'events',
    'hot vectors',
    'text timeline',
    'usage',
    'after change',
    'checks + rest',
    'open',
  ];
  const perBatch = (value: number) => ms(value / BATCHES);
  console.log(
    [
      '',
      `MemoryRouter bulk store — ${BATCHES} batches of ${BATCH_SIZE} LoCoMo turns per vault (${unique} distinct), ${embedder.model}, store RPC, per batch`,
      `  ${'phase'.padEnd(20)}${variants.map((v) => v.label.padStart(26)).join('')}`,
      ...phases.map(
        (phase) =>
          `  ${phase.padEnd(20)}${variants.map((v) => perBatch(v.ledger.get(phase) ?? 0).padStart(26)).join('')}`,
      ),
      `  ${'  of which FTS5'.padEnd(20)}${perBatch(ftsMs).padStart(26)}   (scratch fts5 table, same batches)`,
      `  ${'store RPC, total'.padEnd(20)}${variants.map((v) => perBatch(v.storeMs).padStart(26)).join('')}`,
      `  ${'memories/s'.padEnd(20)}${variants.map((v) => String(Math.round((BATCHES * BATCH_SIZE * 1000) / v.storeMs)).padStart(26)).join('')}`,
      `  Worker side, per batch (second pass, tables loaded): tokenize ${ms(worker.tokenize / workerBatches)}, chunkSpans ${ms(worker.chunks / workerBatches)}, embed (chunking included) ${ms(worker.embed / workerBatches)}`,
      '',
    ].join('\n'),
  );
});

/**
 * The changes the phases above led to, as paired ratios: the same batches
 * written into three vaults' own tables (schema, indexes and FTS5 trigger as
 * deployed), in turns, with one statement per row (the first write path),
 * with multi-row statements of at most 100 parameters (`insertRows`: the
 * second, and still the events') and with one statement per batch
 * (`insertRowsInOneStatement`, the `memories` write now: rows as JSON,
 * BLOBs in one BLOB).
 */
it('one statement per row against multi-row statements, same batches in turns', async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) return;
  const embedder = createEmbedder(env);
  const turns = conversations
    .flatMap((c) => c.turns.map((t) => `${t.speaker}: ${t.text}`))
    .slice(0, BATCHES * BATCH_SIZE);
  const vectors: Float32Array[] = [];
  for (let start = 0; start < turns.length; start += BATCH_SIZE) {
    vectors.push(...(await embedder.embedPassages(turns.slice(start, start + BATCH_SIZE))));
  }
  const stubOf = (name: string) => {
    const address: VaultAddress = { kind: 'SESSION', keyId: 'bench', externalId: name };
    return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  };
  const perRow = stubOf('statements-per-row');
  const multiRow = stubOf('statements-multi-row');
  const oneStatement = stubOf('statements-one-per-batch');
  let counter = 0;
  const batchOf = (b: number) =>
    Array.from({ length: BATCH_SIZE }, (_, i) => {
      const n = (b * BATCH_SIZE + i) % turns.length;
      return {
        id: `m${counter++}`,
        content: turns[n]!,
        at: 1_700_000_000_000 + counter,
        vector: new Uint8Array(vectors[n]!.buffer),
      };
    });
  type Row = ReturnType<typeof batchOf>[number];
  const memoryValues = (row: Row) => [
    row.id,
    row.content,
    'USER',
    null,
    row.at,
    10,
    row.vector,
    null,
    null,
    null,
  ];
  const eventValues = (row: Row) => ['ADDED', row.id, null, row.at];
  const columns = [
    'id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings, next_embedding, next_chunk_embeddings',
    'type, memory_id, superseded_by, at',
  ] as const;
  const SINGLES_PER_BATCH = 10;
  const totals = {
    perRow: { rows: 0, events: 0 },
    multiRow: { rows: 0, events: 0, single: 0 },
    oneStatement: { rows: 0, events: 0, single: 0 },
  };
  for (let b = 0; b < BATCHES; b++) {
    const batch = batchOf(b);
    await runInDurableObject(perRow, (_: VaultObject, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        let started = performance.now();
        for (const row of batch) {
          sql
            .exec(
              `INSERT INTO memories (${columns[0]}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
              ...memoryValues(row),
            )
            .toArray();
        }
        totals.perRow.rows += performance.now() - started;
        started = performance.now();
        for (const row of batch) {
          sql
            .exec(
              `INSERT INTO memory_events (${columns[1]}) VALUES (?, ?, ?, ?) RETURNING seq`,
              ...eventValues(row),
            )
            .toArray();
        }
        totals.perRow.events += performance.now() - started;
      });
    });
    for (const [stub, total, insert] of [
      [multiRow, totals.multiRow, insertRows],
      [oneStatement, totals.oneStatement, insertRowsInOneStatement],
    ] as const) {
      await runInDurableObject(stub, (_: VaultObject, state) => {
        const sql = new Sql(state.storage.sql);
        state.storage.transactionSync(() => {
          let started = performance.now();
          insert(sql, 'memories', columns[0].split(', '), batch.map(memoryValues));
          total.rows += performance.now() - started;
          started = performance.now();
          insert(sql, 'memory_events', columns[1].split(', '), batch.map(eventValues));
          total.events += performance.now() - started;
        });
        // A single-memory store's row: the first 10 rows of the batch again
        // (new ids), one transaction each.
        for (const row of batchOf(b).slice(0, SINGLES_PER_BATCH)) {
          state.storage.transactionSync(() => {
            const started = performance.now();
            insert(sql, 'memories', columns[0].split(', '), [memoryValues(row)]);
            total.single += performance.now() - started;
          });
        }
      });
    }
  }
  const line = (label: string, { perRow, multiRow, oneStatement }: Record<string, number>) =>
    `  ${label.padEnd(22)}${ms(perRow! / BATCHES).padStart(12)}${ms(multiRow! / BATCHES).padStart(14)}${ms(oneStatement! / BATCHES).padStart(16)}${`${(multiRow! / oneStatement!).toFixed(2)}×`.padStart(22)}`;
  const singles = BATCHES * SINGLES_PER_BATCH;
  const phase = (name: 'rows' | 'events') => ({
    perRow: totals.perRow[name],
    multiRow: totals.multiRow[name],
    oneStatement: totals.oneStatement[name],
  });
  console.log(
    [
      '',
      `MemoryRouter bulk store — statement shapes, ${BATCHES} batches of ${BATCH_SIZE} LoCoMo turns in turns, per batch, inside the transaction`,
      `  ${''.padEnd(22)}${'per row'.padStart(12)}${'multi-row'.padStart(14)}${'one per batch'.padStart(16)}${'multi-row ÷ one'.padStart(22)}`,
      line('memories (+ FTS5)', phase('rows')),
      line('memory_events', phase('events')),
      `  ${'one memory (+ FTS5)'.padEnd(22)}${'—'.padStart(12)}${ms(totals.multiRow.single / singles).padStart(14)}${ms(totals.oneStatement.single / singles).padStart(16)}${`${(totals.multiRow.single / totals.oneStatement.single).toFixed(2)}×`.padStart(22)}   (per single-row insert, ${singles} each; both one VALUES statement: the same code, so this line shows the noise)`,
      '',
    ].join('\n'),
  );
});

/**
 * A batch's ADDED events: copied from its just-written rows in one statement
 * (`MemoryEventLog.appendAdded`, now) against the multi-row VALUES they were
 * (`append`, still the path of retirements and of single memories). Two
 * vaults take the same batches through the store RPC in turns; in one the
 * new method is put back to the old statements.
 */
it('ADDED events: one statement from the rows against VALUES statements, in turns', async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) return;
  const embedder = createEmbedder(env);
  const turns = conversations
    .flatMap((c) => c.turns.map((t) => ({ content: `${t.speaker}: ${t.text}`, at: t.createdAt })))
    .slice(0, BATCHES * BATCH_SIZE);
  const vectors: Float32Array[] = [];
  for (let start = 0; start < turns.length; start += BATCH_SIZE) {
    const texts = turns.slice(start, start + BATCH_SIZE).map(({ content }) => content);
    vectors.push(...(await embedder.embedPassages(texts)));
  }
  const vault = (name: string) => {
    const address: VaultAddress = { kind: 'SESSION', keyId: 'bench', externalId: name };
    return { address, stub: env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))) };
  };
  const variants = [
    { label: 'VALUES (before)', ...vault('events-values'), old: true },
    { label: 'from the rows (now)', ...vault('events-from-rows'), old: false },
  ].map((variant) => ({
    ...variant,
    events: [] as number[],
    store: [] as number[],
    storeWith: [] as number[],
    emptyCall: [] as number[],
  }));
  for (const variant of variants) {
    await runInDurableObject(variant.stub, (instance: VaultObject) => {
      const { writes } = instance as Internals;
      const storeWith = writes.storeWith.bind(writes);
      writes.storeWith = (...args: unknown[]) => {
        const started = performance.now();
        try {
          return storeWith(...args);
        } finally {
          variant.storeWith.push(performance.now() - started);
        }
      };
      const events = writes.events;
      const appendAdded = events.appendAdded.bind(events);
      events.appendAdded = (
        memories: { id: string; content: string }[],
        seqs: number[],
        at: number,
      ) => {
        const started = performance.now();
        try {
          if (!variant.old) return appendAdded(memories, seqs, at);
          return events.append(
            memories.map(({ id, content }) => ({
              type: 'ADDED',
              memoryId: id,
              content,
              supersededBy: null,
              at,
            })),
          );
        } finally {
          variant.events.push(performance.now() - started);
        }
      };
    });
  }
  for (let b = 0; b < BATCHES; b++) {
    const memories = Array.from({ length: BATCH_SIZE }, (_, i) => {
      const n = (b * BATCH_SIZE + i) % turns.length;
      return {
        content: turns[n]!.content,
        role: 'USER' as const,
        metadata: null,
        createdAt: turns[n]!.at,
        tokens: 10,
        vector: vectors[n]!,
        callerVector: false,
      };
    });
    for (let turn = 0; turn < variants.length; turn++) {
      const variant = variants[(turn + b) % variants.length]!;
      const started = performance.now();
      const stored = await variant.stub.store(variant.address, {
        memories,
        model: embedder.model,
        dimensions: embedder.dimensions,
      });
      variant.store.push(performance.now() - started);
      if (!stored.ok) throw new Error(stored.message);
      // A call that writes nothing: the RPC's own round trip.
      const asked = performance.now();
      await variant.stub.check(variant.address, {
        model: embedder.model,
        dimensions: embedder.dimensions,
        memories: [],
      });
      variant.emptyCall.push(performance.now() - asked);
    }
  }
  // The first batch of the run starts the isolate's modules: left out.
  const mean = (values: number[]) =>
    ms(values.slice(1).reduce((sum, value) => sum + value, 0) / (values.length - 1));
  console.log(
    [
      '',
      `ADDED events of ${BATCHES} batches of ${BATCH_SIZE} LoCoMo turns, two vaults in turns, per batch:`,
      ...variants.map(
        (v) => `  ${v.label.padEnd(22)} events ${mean(v.events)}   store RPC ${mean(v.store)}`,
      ),
      // What the store RPC costs beyond the object's own write (storeWith:
      // checks, rows, events, hot index) and an empty call: the batch
      // crossing, the usage and alarm work after the write, and the commit.
      ...variants.map(
        (v) =>
          `  ${v.label.padEnd(22)} in storeWith ${mean(v.storeWith)}   an empty call ${mean(v.emptyCall)}`,
      ),
      '',
    ].join('\n'),
  );
});
