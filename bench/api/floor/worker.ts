/**
 * bench:api:floor's skeleton Worker: the fewest steps the platform needs for
 * each of bench:api's rows, and nothing of the project's code (no Yoga, no
 * key derivation, no ranking, no embedding). One SQLite-backed Durable Object
 * class stands in for a vault. What the rows measure (run.ts):
 *
 *   GET  /health                   a constant JSON answer
 *   POST /me                       the `{ me { id } }` equivalent (below)
 *   POST /search?objects=1|3&metered=0|1
 *                                  one object call (3: the leader pattern)
 *                                  answering a precomputed packed search
 *                                  answer, the Worker answering JSON of a
 *                                  real search response's size
 *   POST /store                    one object call that INSERTs one row
 *   POST /bulk?write=0|1           one object call that INSERTs 100 rows
 *                                  (0: the same call, no INSERT)
 *   POST /chat?objects=1|2         object call(s) as /search (unmetered),
 *                                  then a streamed provider fetch whose
 *                                  body is passed through
 */
import { DurableObject } from 'cloudflare:workers';
import { corpus } from '../corpus';
import { packedAnswer, searchResponse, type FloorAnswer } from './answer';

interface FloorEnv {
  FLOOR: DurableObjectNamespace<FloorObject>;
  /** The provider fake's base URL (run.ts sets it with --var). */
  PROVIDER_URL: string;
}

/** About 1 KB of text: a stored row's size (content, its vector's codes) in the floor's store rows. */
const ROW_TEXT = corpus(11).sentence(150).slice(0, 1_024);

export class FloorObject extends DurableObject<FloorEnv> {
  private readonly answer = packedAnswer();

  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS usage (request_id TEXT PRIMARY KEY, tokens INTEGER, at INTEGER)',
    );
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS memories (id TEXT PRIMARY KEY, content TEXT, created_at INTEGER)',
    );
  }

  /**
   * The search's answer, after one usage row when metered: the INSERT opens
   * the object's implicit transaction and the output gate holds the answer
   * until its commit is durable, as a metered vault search's answer waits.
   */
  search(metered: boolean): FloorAnswer {
    if (metered) this.recordUsage();
    return this.answer;
  }

  /**
   * The leader pattern of a search over 3 vaults: this object asks two others
   * (in parallel, unmetered: led vaults write nothing), then records the one
   * usage row (when metered) and answers.
   */
  async lead(metered: boolean, others: [string, string]): Promise<FloorAnswer> {
    await Promise.all(
      others.map((name) => this.env.FLOOR.get(this.env.FLOOR.idFromName(name)).search(false)),
    );
    if (metered) this.recordUsage();
    return this.answer;
  }

  /** One stored row of about 1 KB. */
  store(content: string): { id: string } {
    const id = crypto.randomUUID();
    this.ctx.storage.sql.exec(
      'INSERT INTO memories (id, content, created_at) VALUES (?, ?, ?)',
      id,
      content + ROW_TEXT.slice(content.length),
      Date.now(),
    );
    return { id };
  }

  /**
   * A batch's rows, one INSERT each, in one synchronous step (one commit);
   * `write` false: the same call and answer without the INSERTs (what the
   * transport alone costs).
   */
  storeBatch(contents: string[], write = true): { ids: string[] } {
    const at = Date.now();
    const ids = contents.map((content) => {
      const id = crypto.randomUUID();
      if (write)
        this.ctx.storage.sql.exec(
          'INSERT INTO memories (id, content, created_at) VALUES (?, ?, ?)',
          id,
          content + ROW_TEXT.slice(content.length),
          at,
        );
      return id;
    });
    return { ids };
  }

  private recordUsage() {
    this.ctx.storage.sql.exec(
      'INSERT INTO usage (request_id, tokens, at) VALUES (?, ?, ?)',
      crypto.randomUUID(),
      420,
      Date.now(),
    );
  }
}

/** The Worker's key check: a verified key recalled from the isolate (no HMAC, no RPC). */
const knownKeys = new Map([['mk_floor.bench', { id: 'key_floor' }]]);

function principal(request: Request) {
  const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
  return knownKeys.get(token);
}

const unauthorized = () => Response.json({ error: 'UNAUTHENTICATED' }, { status: 401 });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health')
      return Response.json({ service: 'memoryrouter', graphql: '/graphql' });
    const key = principal(request);
    if (key === undefined) return unauthorized();
    // Every other row reads its JSON body, as the real routes do.
    const body = (await request.json()) as {
      inputs?: { content: string }[];
      content?: string;
      q?: string;
    };
    const objects = Number(url.searchParams.get('objects') ?? '1');
    const metered = url.searchParams.get('metered') === '1';
    const vault = (name: string) => env.FLOOR.get(env.FLOOR.idFromName(name));
    switch (url.pathname) {
      case '/me':
        return Response.json({ data: { me: { id: key.id } } });
      case '/search': {
        const answer =
          objects === 3
            ? await vault('floor-a').lead(metered, ['floor-b', 'floor-c'])
            : await vault('floor-a').search(metered);
        return Response.json(searchResponse(answer));
      }
      case '/store':
        return Response.json({
          data: { storeMemories: [await vault('floor-w').store(body.content!)] },
        });
      case '/bulk': {
        const { ids } = await vault('floor-bulk').storeBatch(
          body.inputs!.map((input) => input.content),
          url.searchParams.get('write') !== '0',
        );
        return Response.json({ data: { storeMemories: ids.map((id) => ({ id })) } });
      }
      case '/chat': {
        // The memory read(s): CORE and SESSION in parallel when 2, as the drop-in chat reads.
        const reads = await Promise.all(
          ['floor-a', 'floor-core'].slice(0, objects).map((name) => vault(name).search(false)),
        );
        const memory = reads.flatMap((answer) =>
          answer.packed.flatMap((window) => window.contents),
        );
        const upstream = await fetch(`${env.PROVIDER_URL}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
          body: JSON.stringify({
            model: 'fake-model',
            stream: true,
            messages: [
              { role: 'system', content: `Memory:\n${memory.join('\n')}` },
              { role: 'user', content: body.q ?? '' },
            ],
          }),
        });
        return new Response(upstream.body, {
          status: upstream.status,
          headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
        });
      }
      default:
        return Response.json({ error: 'NOT_FOUND' }, { status: 404 });
    }
  },
} satisfies ExportedHandler<FloorEnv>;
