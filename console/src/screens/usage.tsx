import type { MemoryKey, MemoryRouterClient } from '@memoryrouter/client';
import { BarChart, type Bar } from '../components/bar-chart';
import { ErrorBanner } from '../components/error-banner';
import { formatNumber } from '../format';
import { useAsync } from '../use-async';

const DAYS = 30;
const DAY_MS = 86_400_000;

/** The last 30 UTC days, oldest first, each with its tokens (0 where none were recorded). */
function lastDays(days: { date: string; memoryTokens: number }[], today: number): Bar[] {
  const byDate = new Map(days.map((day) => [day.date, day.memoryTokens]));
  return Array.from({ length: DAYS }, (_, index) => {
    const date = new Date(today - (DAYS - 1 - index) * DAY_MS).toISOString().slice(0, 10);
    return { label: date, value: byDate.get(date) ?? 0 };
  });
}

/**
 * The name a key was given, where the console knows it: usage lists keys by
 * id only, and the signed-in key (the one a memory key's usage lists) is `me`.
 */
function keyName(keyId: string, me: MemoryKey | null): string | null {
  return keyId === me?.id ? (me.name ?? null) : null;
}

/** Memory tokens per day for the last 30 days: the account, then each key. */
export function UsageScreen({ client, me }: { client: MemoryRouterClient; me: MemoryKey | null }) {
  const today = Date.now();
  const usage = useAsync(
    () => client.usage({ from: new Date(today - (DAYS - 1) * DAY_MS) }),
    [client],
  );
  const data = usage.data;
  return (
    <section>
      <header class="screen-header">
        <h1>Usage</h1>
        <button type="button" class="secondary" onClick={usage.reload}>
          Refresh
        </button>
      </header>
      <ErrorBanner error={usage.error} />
      {data ? (
        <>
          <dl class="facts card">
            <dt>Memory tokens, last {DAYS} days</dt>
            <dd data-field="memory-tokens">{formatNumber(data.memoryTokens)}</dd>
            <dt>Cost at $1.00 per million</dt>
            <dd>${data.costUsd.toFixed(4)}</dd>
          </dl>
          <BarChart title="Account, memory tokens per day" bars={lastDays(data.days, today)} />
          {data.keys.map((key) => {
            const name = keyName(key.keyId, me);
            return (
              <div class="card key-usage" key={key.keyId}>
                <h2>
                  Key {name === null ? null : `“${name}” `}
                  <code>{key.keyId}</code>{' '}
                  <small>{formatNumber(key.memoryTokens)} memory tokens</small>
                </h2>
                <BarChart
                  title={`Key ${name === null ? key.keyId : `“${name}”`}, memory tokens per day`}
                  bars={lastDays(key.days, today)}
                />
              </div>
            );
          })}
        </>
      ) : null}
    </section>
  );
}
