import { vectorToBytes } from '../../core/vectors';
import { ftsText } from '../../text/tokens';
import { contentKeyOf, heldRecently, type RepeatRule } from './recent-texts';
import type { Sql } from '../sqlite/sql';
import { insertRowsInOneStatement } from '../sqlite/sql-batch';
import { ANY_SPEAKER_METADATA } from '../full-text/speaker-names';
import type { ApartFact, MemoryRecord } from '../rpc/vault-types';
import type { RetiredSeq, StaleTurnSeq } from './retired-set';
import type { RetiredFact, RetiredFactRow } from '../full-text/retired-facts';

/** The columns a store writes, in the order `insert` binds them. */
const MEMORY_COLUMNS = [
  'id',
  'content',
  'role',
  'metadata',
  'created_at',
  'tokens',
  'embedding',
  'chunk_embeddings',
  'next_embedding',
  'next_chunk_embeddings',
  'fts_text',
  'content_key',
];

/** A memory checked and ready to write: its record and unit vectors. */
export interface PreparedMemory {
  record: MemoryRecord;
  vector: Float32Array;
  /** One vector per chunk of a memory indexed in chunks; null when it is indexed whole. */
  chunkVectors: Float32Array[] | null;
  /**
   * True when the vectors are of the model the vault is re-embedding into:
   * they wait in next_embedding for the switch, and the row has no vector of
   * the vault's current model (found by text until then).
   */
  deferred?: boolean;
}

/** The columns of a stored row that a delete needs to keep the indexes in step. */
export interface StoredRef {
  id: string;
  seq: number;
  created_at: number;
  content: string;
}

/** A stored row as an edit reads it: what it keeps, and the hot index rows it takes. */
export interface EditableRow extends StoredRef {
  role: MemoryRecord['role'];
  metadata: string | null;
  createdAt: number;
  tokens: number;
  validUntil: number | null;
  supersededBy: string | null;
  /** Rows of the hot index it takes: one per chunk, none while its vector is deferred. */
  hotRows: number;
}

/**
 * The WARM tier's writes: the one place rows enter or leave `memories` in
 * normal operation (a restore swaps them wholesale, snapshot-store.ts). The
 * reads that searches, lookups and listings make are in vault-queries.ts.
 * Callers run writes inside `transactionSync`, together with the meta and
 * checkpoint changes that go with them.
 */
export class VaultStorage {
  constructor(private readonly sql: Sql) {}

  count(): number {
    return this.sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM memories')?.n ?? 0;
  }

  /** The newest seq written (0 for an empty vault). */
  maxSeq(): number {
    return this.sql.first<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM memories')?.seq ?? 0;
  }

  /** Whether a live memory with this text (whitespace-normalised) was created within the last day (recent-texts.ts). */
  heldRecently(content: string, now: number, counts?: RepeatRule): boolean {
    return heldRecently(this.sql, content, now, counts);
  }

  /** Which of `ids` the vault already holds. */
  taken(ids: readonly string[]): string[] {
    if (ids.length === 0) return [];
    return this.sql
      .all<{ id: string }>(
        'SELECT id FROM memories WHERE id IN (SELECT value FROM json_each(?))',
        JSON.stringify(ids),
      )
      .map((row) => row.id);
  }

  find(id: string): StoredRef | null {
    return this.sql.first<StoredRef & Record<string, SqlStorageValue>>(
      'SELECT id, seq, created_at, content FROM memories WHERE id = ?',
      id,
    );
  }

  findForEdit(id: string): EditableRow | null {
    const row = this.sql.first<Record<string, SqlStorageValue>>(
      `SELECT id, seq, created_at, content, role, metadata, tokens, valid_until, superseded_by,
         CASE WHEN length(embedding) = 0 THEN 0
              WHEN chunk_embeddings IS NULL THEN 1
              ELSE length(chunk_embeddings) / length(embedding) END AS hot_rows
       FROM memories WHERE id = ?`,
      id,
    );
    if (row === null) return null;
    return {
      id: row.id as string,
      seq: row.seq as number,
      created_at: row.created_at as number,
      content: row.content as string,
      role: row.role as MemoryRecord['role'],
      metadata: row.metadata as string | null,
      createdAt: row.created_at as number,
      tokens: row.tokens as number,
      validUntil: row.valid_until as number | null,
      supersededBy: row.superseded_by as string | null,
      hotRows: row.hot_rows as number,
    };
  }

  /** An edit of role and metadata only, where the row is (no index holds either). Call inside a transaction. */
  editInPlace(record: Pick<MemoryRecord, 'id' | 'role' | 'metadata'>): void {
    this.sql.run(
      'UPDATE memories SET role = ?, metadata = ? WHERE id = ?',
      record.role,
      record.metadata,
      record.id,
    );
  }

  /** Writes the memories in order and returns their seqs. Call inside a transaction. */
  insert(memories: readonly PreparedMemory[], now = Date.now()): number[] {
    const seqs = insertRowsInOneStatement(
      this.sql,
      'memories',
      MEMORY_COLUMNS,
      memories.map(({ record, vector, chunkVectors, deferred }) => {
        const vectors = vectorToBytes(vector);
        const chunks = chunkVectors === null ? null : concatVectors(chunkVectors);
        return [
          record.id,
          record.content,
          record.role,
          record.metadata,
          record.createdAt,
          record.tokens,
          deferred ? new Uint8Array(0) : vectors,
          deferred ? null : chunks,
          deferred ? vectors : null,
          deferred ? chunks : null,
          // What the full-text index reads in place of content (cjk-index.ts):
          // written with the row, so its insert trigger indexes it once.
          ftsText(record.content),
          // The repeated-turn check's digest, for rows it can reach (recent-texts.ts).
          contentKeyOf(record.content, record.createdAt, now),
        ];
      }),
    );
    return seqs;
  }

  /**
   * The current version of memory `id`: itself while current, else the end
   * of its chain of successors; null when the chain ends in a memory
   * declared no longer true (or deleted). What a fact decided against an
   * older version applies to, when another store superseded it meanwhile.
   */
  currentVersionOf(id: string): { id: string; createdAt: number } | null {
    let at: string | null = id;
    for (let step = 0; at !== null && step < 1_000; step++) {
      const row: {
        id: string;
        created_at: number;
        valid_until: number | null;
        superseded_by: string | null;
      } | null = this.sql.first(
        'SELECT id, created_at, valid_until, superseded_by FROM memories WHERE id = ?',
        at,
      );
      if (row === null) return null;
      if (row.valid_until === null) return { id: row.id, createdAt: row.created_at };
      at = row.superseded_by;
    }
    return null;
  }

  /**
   * Marks a current memory as no longer valid from `at`, superseded by
   * `supersededBy` (or by nothing); false when it is not here or already
   * retired. Call inside a transaction. Returns its seq for the search filter.
   */
  retire(id: string, supersededBy: string | null, at: number): RetiredSeq | null {
    const row = this.sql.first<{ seq: number; valid_until: number }>(
      // Never before the memory itself began (a successor backfilled from
      // an earlier time than the fact it replaces).
      `UPDATE memories SET valid_until = MAX(created_at, ?), superseded_by = ?
       WHERE id = ? AND valid_until IS NULL RETURNING seq, valid_until`,
      at,
      supersededBy,
      id,
    );
    return row === null ? null : { seq: row.seq, validUntil: row.valid_until };
  }

  /**
   * Makes current again the memories that the current ones among `ids`
   * superseded: deleting the version that replaced a memory leaves that
   * memory the latest one, as if it had never been replaced. A chain deleted
   * together is walked back past every version in `ids` (deleting Munich and
   * Berlin of Paris → Berlin → Munich re-opens Paris, as deleting them one
   * by one would); a successor that was itself superseded re-opens nothing
   * (a later version stands), and nothing in `ids` is re-opened. Call inside
   * a transaction, before the deletes. Returns what it re-opened.
   */
  reopenReplacedBy(ids: readonly string[]): { id: string; seq: number }[] {
    const deleting = new Set(ids);
    const walk = this.sql
      .all<{ id: string }>(
        `SELECT id FROM memories
         WHERE id IN (SELECT value FROM json_each(?)) AND valid_until IS NULL`,
        JSON.stringify(ids),
      )
      .map(({ id }) => id);
    const reopened: { id: string; seq: number }[] = [];
    const seen = new Set(walk);
    while (walk.length > 0) {
      const successor = walk.pop()!;
      for (const { id, seq } of this.sql.all<{ id: string; seq: number }>(
        'SELECT id, seq FROM memories WHERE superseded_by = ?',
        successor,
      )) {
        if (seen.has(id)) continue;
        seen.add(id);
        if (deleting.has(id)) {
          walk.push(id);
          continue;
        }
        this.sql.run(
          'UPDATE memories SET valid_until = NULL, superseded_by = NULL WHERE id = ?',
          id,
        );
        reopened.push({ id, seq });
      }
    }
    return reopened;
  }

  /**
   * Relinks past the superseded versions among `ids`: a memory superseded by
   * one of them is superseded by that version's own successor instead (the
   * first one not in `ids`), so deleting Berlin of Paris → Berlin → Munich
   * leaves Paris → Munich, its `validUntil` kept, and Munich's history still
   * reaches Paris. A version declared untrue (no successor) passes that on:
   * its predecessor is left declared untrue too, never pointing at a deleted
   * id. Call inside a transaction, after `reopenReplacedBy` (which handles a
   * chain whose current version goes) and before the deletes. Returns each
   * memory relinked and its new successor.
   */
  relinkPastDeleted(ids: readonly string[]): { id: string; supersededBy: string | null }[] {
    const successorOf = new Map(
      this.sql
        .all<{ id: string; superseded_by: string | null }>(
          `SELECT id, superseded_by FROM memories
           WHERE id IN (SELECT value FROM json_each(?)) AND valid_until IS NOT NULL`,
          JSON.stringify(ids),
        )
        .map((row) => [row.id, row.superseded_by] as const),
    );
    if (successorOf.size === 0) return [];
    const deleting = new Set(ids);
    /** The first successor past the deleted versions (null: none stands). */
    const standing = (id: string): string | null => {
      const seen = new Set<string>();
      let next = successorOf.get(id) ?? null;
      while (next !== null && deleting.has(next) && !seen.has(next)) {
        seen.add(next);
        next = successorOf.get(next) ?? null;
      }
      return next !== null && deleting.has(next) ? null : next;
    };
    const relinked: { id: string; supersededBy: string | null }[] = [];
    for (const { id, superseded_by: was } of this.sql.all<{
      id: string;
      superseded_by: string;
    }>(
      `SELECT id, superseded_by FROM memories
       WHERE superseded_by IN (SELECT value FROM json_each(?))`,
      JSON.stringify([...successorOf.keys()]),
    )) {
      if (deleting.has(id)) continue;
      const supersededBy = standing(was);
      this.sql.run('UPDATE memories SET superseded_by = ? WHERE id = ?', supersededBy, id);
      relinked.push({ id, supersededBy });
    }
    return relinked;
  }

  /** Every retired memory's seq and end (retired-set.ts keeps them as the search's filter). */
  retiredSeqs(): RetiredSeq[] {
    return this.sql
      .all<{ seq: number; valid_until: number }>(
        'SELECT seq, valid_until FROM memories WHERE valid_until IS NOT NULL',
      )
      .map((row) => ({ seq: row.seq, validUntil: row.valid_until }));
  }

  /**
   * Seqs of the turns a retired fact was drawn from (its metadata
   * `{"kind": "fact", "turns": [local ids]}`, store-with-facts.ts), each
   * with the earliest retirement of such a fact: what they said has been
   * superseded since, so searches demote them (stale-turns.ts).
   */
  staleTurnSeqs(): StaleTurnSeq[] {
    return this.sql
      .all<{ seq: number; since: number }>(
        `SELECT seq, MIN(since) AS since FROM (
           SELECT turn.seq AS seq, fact.valid_until AS since
           FROM memories AS fact, json_each(fact.metadata, '$.turns') AS source
           JOIN memories AS turn ON turn.id = source.value
           WHERE fact.valid_until IS NOT NULL
             AND json_extract(fact.metadata, '$.kind') = 'fact'
           UNION ALL
           SELECT turn.seq AS seq, mark.since AS since
           FROM turns_outdated_elsewhere AS mark JOIN memories AS turn ON turn.id = mark.turn
           WHERE mark.live = 1
         )
         GROUP BY seq`,
      )
      .map((row) => ({ seq: row.seq, since: row.since }));
  }

  /**
   * Records that another vault retired facts drawn from turns of this one
   * (facts kept apart, store-with-facts.ts): a mark per turn this vault
   * holds, once per fact. `changed` is the facts' vault's change order when
   * the Worker read that the facts were retired (FactsOrder): a mark is
   * made, or made again with its new `since`, unless a call read later
   * already applied (an unmark of a later re-opening, arriving first).
   * Without it (a Worker of the previous release) the mark is applied, the
   * order kept. Answers how many rows changed.
   */
  markOutdatedElsewhere(
    marks: readonly { turn: string; fact: string; since: number }[],
    changed: number | null,
  ): number {
    let touched = 0;
    for (const { turn, fact, since } of marks) {
      touched += this.sql.run(
        `INSERT INTO turns_outdated_elsewhere (turn, fact, since, live, changed)
         SELECT id, ?1, ?2, 1, COALESCE(?3, 0) FROM memories WHERE id = ?4
         ON CONFLICT (turn, fact) DO UPDATE SET
           since = CASE WHEN live = 1 AND ?3 IS NULL THEN since ELSE excluded.since END,
           live = 1,
           changed = COALESCE(?3, changed)
         WHERE ?3 IS NULL OR ?3 >= changed`,
        fact,
        since,
        changed,
        turn,
      );
    }
    return touched;
  }

  /**
   * Takes back marks another vault made (`markOutdatedElsewhere`) once the
   * fact no longer makes the turn outdated there: current again (its
   * successor deleted), deleted itself, or no longer naming the turn (its
   * metadata edited). With the facts' vault's change order (`changed`),
   * only a mark not made by a later read goes, and it stays as a row that
   * is not live, so an older mark arriving after this changes nothing.
   * Answers how many rows changed.
   */
  unmarkOutdatedElsewhere(
    marks: readonly { turn: string; fact: string }[],
    changed: number | null,
  ): number {
    let touched = 0;
    for (const { turn, fact } of marks) {
      touched +=
        changed === null
          ? this.sql.run(
              'UPDATE turns_outdated_elsewhere SET live = 0 WHERE turn = ? AND fact = ?',
              turn,
              fact,
            )
          : this.sql.run(
              `INSERT INTO turns_outdated_elsewhere (turn, fact, since, live, changed)
               SELECT id, ?1, 0, 0, ?2 FROM memories WHERE id = ?3
               ON CONFLICT (turn, fact) DO UPDATE SET live = 0, changed = ?2
               WHERE ?2 >= changed`,
              fact,
              changed,
              turn,
            );
    }
    return touched;
  }

  /**
   * The memories among `ids` whose metadata names turns of another vault
   * (`sourceTurns`: a fact kept apart from its turn, store-with-facts.ts),
   * with those Memory.ids: the vaults the Worker tells when such a fact
   * is current again or gone (outdated-elsewhere.ts). With `retiredOnly`,
   * only those superseded or declared no longer true (the ones marked).
   */
  factsApart(ids: readonly string[], retiredOnly = false): ApartFact[] {
    if (ids.length === 0) return [];
    return this.sql
      .all<{ id: string; source_turns: string }>(
        `SELECT id, json_extract(metadata, '$.sourceTurns') AS source_turns FROM memories
         WHERE id IN (SELECT value FROM json_each(?))
           AND (valid_until IS NOT NULL OR ? = 0)
           AND CASE WHEN json_valid(metadata) THEN json_type(metadata, '$.sourceTurns') END = 'array'`,
        JSON.stringify(ids),
        retiredOnly ? 1 : 0,
      )
      .map((row) => ({ id: row.id, sourceTurns: stringsOf(row.source_turns) }));
  }

  /**
   * Every retired memory whose metadata names turns of another vault (the
   * facts whose turns were marked there): what a wipe takes back
   * (apart-marks.ts). A scan of the retired rows, once per clear or expiry.
   */
  retiredFactsApart(): ApartFact[] {
    return this.sql
      .all<{ id: string; source_turns: string }>(
        `SELECT id, json_extract(metadata, '$.sourceTurns') AS source_turns FROM memories
         WHERE valid_until IS NOT NULL
           AND CASE WHEN json_valid(metadata) THEN json_type(metadata, '$.sourceTurns') END = 'array'`,
      )
      .map((row) => ({ id: row.id, sourceTurns: stringsOf(row.source_turns) }));
  }

  /** Whether another vault retired a fact drawn from a turn of this one. */
  anyOutdatedElsewhere(): boolean {
    return (
      this.sql.first('SELECT 1 AS found FROM turns_outdated_elsewhere WHERE live = 1 LIMIT 1') !==
      null
    );
  }

  /**
   * The facts other vaults retired, as this vault knows them: by Memory.id,
   * with the turns here they were drawn from. Their text is not here, so
   * they mark their own turns outdated only (no restating turns); their
   * successors are read from their vault by the Worker (`elsewhere`).
   */
  factsOutdatedElsewhere(): RetiredFact[] {
    const byFact = new Map<string, { since: number; turns: Set<string> }>();
    for (const { turn, fact, since } of this.sql.all<{ turn: string; fact: string; since: number }>(
      'SELECT turn, fact, since FROM turns_outdated_elsewhere WHERE live = 1',
    )) {
      const found = byFact.get(fact);
      if (found === undefined) byFact.set(fact, { since, turns: new Set([turn]) });
      else found.turns.add(turn);
    }
    return [...byFact].map(([id, { since, turns }]) => ({
      id,
      validUntil: since,
      supersededBy: null,
      turns,
      successorTurns: new Set(),
      oldWords: [],
      topicWords: [],
      elsewhere: true as const,
    }));
  }

  /**
   * Every retired fact (metadata `{"kind": "fact"}`, `valid_until` set) with
   * the content and turns of the memory that replaced it, if any
   * (outdated-memories.ts reads which memories they made outdated).
   */
  retiredFactRows(): RetiredFactRow[] {
    return this.sql
      .all<{
        id: string;
        content: string;
        valid_until: number;
        superseded_by: string | null;
        turns: string | null;
        successor_content: string | null;
        successor_turns: string | null;
      }>(
        `SELECT fact.id AS id, fact.content AS content, fact.valid_until AS valid_until,
                fact.superseded_by AS superseded_by,
                json_extract(fact.metadata, '$.turns') AS turns,
                successor.content AS successor_content,
                json_extract(successor.metadata, '$.turns') AS successor_turns
         FROM memories AS fact LEFT JOIN memories AS successor ON successor.id = fact.superseded_by
         WHERE fact.valid_until IS NOT NULL
           AND json_extract(fact.metadata, '$.kind') = 'fact'`,
      )
      .map((row) => ({
        id: row.id,
        content: row.content,
        validUntil: row.valid_until,
        supersededBy: row.superseded_by,
        turns: row.turns,
        successorContent: row.successor_content,
        successorTurns: row.successor_turns,
      }));
  }

  /** Call inside a transaction. */
  delete(id: string): void {
    this.sql.run('DELETE FROM memories WHERE id = ?', id);
  }

  /** Whether any memory names its speaker in metadata (text-search.ts's name boost). */
  anySpeakerMetadata(): boolean {
    return this.sql.first(`SELECT 1 AS found WHERE ${ANY_SPEAKER_METADATA}`) !== null;
  }
}

/** Chunk vectors back to back, as stored in `chunk_embeddings`. */
function concatVectors(vectors: readonly Float32Array[]): Uint8Array {
  const all = new Float32Array(vectors.reduce((sum, vector) => sum + vector.length, 0));
  let at = 0;
  for (const vector of vectors) {
    all.set(vector, at);
    at += vector.length;
  }
  return new Uint8Array(all.buffer);
}

/** The strings of a JSON array's text (none when it is not one). */
function stringsOf(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
