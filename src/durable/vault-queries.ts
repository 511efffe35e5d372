import { metadataConditions } from './metadata-filter';
import { reciprocalRankFusion } from './rank-fusion';
import type { Sql, SqlValue } from './sql';
import { ftsQuery } from './text-query';
import type { VectorIndex } from './vector-index';
import type {
  ListPage,
  ListRequest,
  MemoryRecord,
  SearchHitRecord,
  SearchRequest,
  WindowResult,
  WindowSearch,
} from './vault-types';

interface MemoryRow extends Record<string, SqlStorageValue> {
  id: string;
  content: string;
  role: string;
  metadata: string | null;
  created_at: number;
  tokens: number;
}

const MEMORY_COLUMNS = 'id, content, role, metadata, created_at, tokens';
/** Most memories one listing page returns. */
export const MAX_PAGE = 100;
/** Hybrid search ranks this many candidates per mode (at least) before fusing. */
const HYBRID_POOL = 50;

/**
 * The read queries of a vault over its SQLite and hot index: window searches
 * in the three modes, lookups by id and keyset listing pages.
 */
export class VaultQueries {
  constructor(private readonly sql: Sql) {}

  /** One window of one search; `index` is null while the vault has no vectors. */
  searchWindow(
    index: VectorIndex | null,
    request: SearchRequest,
    window: WindowSearch,
  ): WindowResult {
    if (index === null || window.limit === 0)
      return { window: window.window, hits: [], rowsInWindow: 0 };
    const { start, end } = index.range(window.after, window.until);
    const empty: WindowResult = { window: window.window, hits: [], rowsInWindow: end - start };
    if (end <= start) return empty;

    const allowed =
      request.metadata === null ? undefined : this.idsMatching(request.metadata, window);
    if (allowed !== undefined && allowed.size === 0) return empty;
    const accept = allowed === undefined ? undefined : (id: string) => allowed.has(id);

    let ranked: { id: string; score: number }[];
    if (request.mode === 'VECTOR') {
      ranked = index.search(request.vector!, start, end, window.limit, accept);
    } else if (request.mode === 'TEXT') {
      ranked = this.textSearch(request, window, window.limit);
    } else {
      const pool = Math.max(HYBRID_POOL, window.limit * 3);
      const byVector = index.search(request.vector!, start, end, pool, accept);
      const byText = this.textSearch(request, window, pool);
      const fused = reciprocalRankFusion([
        byVector.map((hit) => hit.id),
        byText.map((hit) => hit.id),
      ]);
      ranked = [...fused]
        .map(([id, score]) => ({ id, score }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, window.limit);
    }

    const records = new Map(this.hydrate(ranked.map((hit) => hit.id)).map((m) => [m.id, m]));
    const hits: SearchHitRecord[] = [];
    for (const { id, score } of ranked) {
      const memory = records.get(id);
      if (memory !== undefined) hits.push({ memory, score, window: window.window });
    }
    return { ...empty, hits };
  }

  private textSearch(
    request: SearchRequest,
    window: WindowSearch,
    limit: number,
  ): { id: string; score: number }[] {
    const match = ftsQuery(request.text);
    if (match === null) return [];
    const filter = metadataConditions(request.metadata, 'm.metadata');
    const conditions = ['memories_fts MATCH ?', 'm.created_at <= ?', ...filter.sql];
    const params: SqlValue[] = [match, window.until, ...filter.params];
    if (window.after !== null) {
      conditions.push('m.created_at > ?');
      params.push(window.after);
    }
    const rows = this.sql.all<{ id: string; rank: number }>(
      `SELECT m.id AS id, bm25(memories_fts) AS rank
       FROM memories_fts JOIN memories m ON m.seq = memories_fts.rowid
       WHERE ${conditions.join(' AND ')}
       ORDER BY rank, m.created_at DESC LIMIT ?`,
      ...params,
      limit,
    );
    // bm25() is lower-is-better; report higher-is-better like the other modes.
    return rows.map((row) => ({ id: row.id, score: -row.rank }));
  }

  private idsMatching(
    filter: NonNullable<SearchRequest['metadata']>,
    window: WindowSearch,
  ): Set<string> {
    const conditions = metadataConditions(filter);
    const where = ['created_at <= ?', ...conditions.sql];
    const params: SqlValue[] = [window.until, ...conditions.params];
    if (window.after !== null) {
      where.push('created_at > ?');
      params.push(window.after);
    }
    const rows = this.sql.all<{ id: string }>(
      `SELECT id FROM memories WHERE ${where.join(' AND ')}`,
      ...params,
    );
    return new Set(rows.map((row) => row.id));
  }

  hydrate(ids: readonly string[]): MemoryRecord[] {
    if (ids.length === 0) return [];
    const rows = this.sql.all<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories WHERE id IN (SELECT value FROM json_each(?))`,
      JSON.stringify(ids),
    );
    return rows.map(toRecord);
  }

  /** A keyset page: rows strictly after the cursor in (createdAt, id) order. */
  listPage(request: ListRequest, totalCount: number): ListPage {
    const first = Math.max(0, Math.min(request.first, MAX_PAGE));
    const newestFirst = request.order === 'NEWEST_FIRST';
    const params: SqlValue[] = [];
    let where = '';
    if (request.after !== null) {
      where = `WHERE (created_at, id) ${newestFirst ? '<' : '>'} (?, ?)`;
      params.push(request.after.createdAt, request.after.localId);
    }
    const direction = newestFirst ? 'DESC' : 'ASC';
    const rows = this.sql.all<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories ${where}
       ORDER BY created_at ${direction}, id ${direction} LIMIT ?`,
      ...params,
      first + 1,
    );
    return {
      memories: rows.slice(0, first).map(toRecord),
      hasNextPage: rows.length > first,
      totalCount,
    };
  }
}

function toRecord(row: MemoryRow): MemoryRecord {
  return {
    id: row.id,
    content: row.content,
    role: row.role as MemoryRecord['role'],
    metadata: row.metadata,
    createdAt: row.created_at,
    tokens: row.tokens,
  };
}
