/**
 * `npm run bench:api:import-health`: what a big streamed import does to the
 * rest of the isolate, and when its progress reaches the client. Starts a
 * fresh `wrangler dev`, creates a key, then sends `--lines` (30,000) minimal
 * JSONL lines to the session vault's import route asking for NDJSON, while a
 * second client asks `GET /health` one request after another. Reports
 * /health p50/p99/max before and during the import, when the first and
 * each 5,000th progress line arrived (seconds after the request began, with
 * the line they report), and the import's total time.
 *
 *   BENCH_API_PORT=10141 BENCH_API_INSPECTOR_PORT=10142 npm run bench:api:import-health
 *   npm run bench:api:import-health -- --lines 30000 --clear-at 5000
 *
 * `--clear-at N` calls `clearVault` on the vault once a progress line
 * reports line N or later (`--clear-after-ms T`: T ms after the import
 * began, for a server whose progress lines arrive late), and afterwards prints what the import did after
 * the clear answered: its last NDJSON line, the vault's memoryCount, and
 * whether `vaults` lists it (review269 F7).
 */
import { devServer } from '../../scripts/live/dev-server.mjs';
import { corpus } from './corpus';
import { adminToken } from './admin-token';
import { numberOption } from './options';

const LINES = numberOption('lines', 30_000);
const CLEAR_AT = numberOption('clear-at', 0);
const CLEAR_AFTER_MS = numberOption('clear-after-ms', 0);
const VAULT = 'import-health';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `n=${sorted.length} p50=${f(percentile(sorted, 50))} ms p99=${f(percentile(sorted, 99))} ms max=${f(sorted.at(-1) ?? NaN)} ms`;
}

async function main() {
  if (process.env.BENCH_API_PORT) process.env.MEMORYROUTER_TEST_PORT = process.env.BENCH_API_PORT;
  if (process.env.BENCH_API_INSPECTOR_PORT)
    process.env.MEMORYROUTER_TEST_INSPECTOR_PORT = process.env.BENCH_API_INSPECTOR_PORT;
  const server = await devServer({ vars: { VAULT_MAX_MEMORIES: String(LINES + 10_000) } });
  try {
    const { url } = server;
    const graphql = async (token: string, query: string) => {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as {
        data?: Record<string, unknown>;
        errors?: { message: string }[];
      };
    };
    const admin = await adminToken('import-health');
    const created = await graphql(
      admin,
      `
        mutation {
          createMemoryKey(name: "import-health") {
            secret
          }
        }
      `,
    );
    const secret = (created.data?.createMemoryKey as { secret: string }).secret;

    const words = corpus(7);
    const now = Date.now();
    const body =
      Array.from({ length: LINES }, (_, at) =>
        JSON.stringify({
          content: `${words.sentence(12)} #${at}`,
          role: at % 2 ? 'assistant' : 'user',
          timestamp: now - (LINES - at) * 1000,
        }),
      ).join('\n') + '\n';

    let importStarted: number | null = null;
    const slow: string[] = [];
    // /health, one after another, until told to stop.
    const health = (until: () => boolean) =>
      (async () => {
        const samples: number[] = [];
        while (!until()) {
          const started = performance.now();
          await (await fetch(`${url}/health`)).arrayBuffer();
          const took = performance.now() - started;
          samples.push(took);
          // The slow ones, with when they were asked, to tell a start-up from a slice.
          if (took > 1000 && importStarted !== null)
            slow.push(`${((started - importStarted) / 1000).toFixed(1)} s: ${took.toFixed(0)} ms`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return samples;
      })();

    let idleDone = false;
    const idle = health(() => idleDone);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    idleDone = true;
    console.log(`/health idle:          ${summary(await idle)}`);

    let importing = true;
    const during = health(() => !importing);
    const started = performance.now();
    importStarted = started;
    const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
    const response = await fetch(`${url}/v1/vaults/session/${VAULT}/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, accept: 'application/x-ndjson' },
      body,
    });
    console.log(`response headers at ${seconds()} s (status ${response.status})`);
    const decoder = new TextDecoder();
    let buffered = '';
    let progressLines = 0;
    let nextMark = 0;
    let last = '';
    let clearAnswered: Promise<unknown> | null = null;
    const clear = () => {
      const asked = seconds();
      clearAnswered = graphql(
        secret,
        `mutation { clearVault(selector: { kind: SESSION, id: "${VAULT}" }) }`,
      ).then((answer) =>
        console.log(`clearVault asked at ${asked} s, answered at ${seconds()} s:`, answer),
      );
    };
    if (CLEAR_AFTER_MS > 0) setTimeout(clear, CLEAR_AFTER_MS);
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n')) >= 0) {
        const text = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (!text) continue;
        last = text;
        const event = JSON.parse(text) as { type: string; line?: number; imported?: number };
        if (event.type !== 'progress') {
          console.log(`${event.type} at ${seconds()} s: ${text.slice(0, 300)}`);
          continue;
        }
        progressLines++;
        if (event.line! >= nextMark) {
          console.log(
            `progress #${progressLines} at ${seconds()} s: line ${event.line}, imported ${event.imported}`,
          );
          nextMark = (Math.floor(event.line! / 5000) + 1) * 5000;
        }
        if (CLEAR_AT > 0 && clearAnswered === null && event.line! >= CLEAR_AT) clear();
      }
    }
    importing = false;
    console.log(`import ended at ${seconds()} s after ${progressLines} progress lines`);
    console.log(`/health during import: ${summary(await during)}`);
    if (slow.length > 0) console.log(`/health over 1 s, asked at: ${slow.join(', ')}`);
    if (CLEAR_AT > 0 || CLEAR_AFTER_MS > 0) {
      await clearAnswered;
      console.log(`last NDJSON line: ${last.slice(0, 300)}`);
      const after = await graphql(
        secret,
        `{ vault(selector: { kind: SESSION, id: "${VAULT}" }) { memoryCount } vaults { kind externalId memoryCount } }`,
      );
      console.log('after the import:', JSON.stringify(after.data ?? after.errors));
    }
  } finally {
    await server.stop();
  }
}

await main();
