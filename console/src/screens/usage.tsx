import type { MemoryRouterClient } from '@memoryrouter/client';
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

/** Memory tokens per day for the last 30 days: the account, then each key. */
export function UsageScreen({ client }: { client: MemoryRouterClient }) {
  const today = Date.now();
  const usage = useAsync(
    () => client.usage({ from: new Date(today - (DAYS - 1) * DAY_MS) }),
    [client],
  );
  const data = usage.data;
  return (
    <section>
      <header class="screen-header">
        <h2>Usage</h2>
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
          {data.keys.map((key) => (
            <div class="card key-usage" key={key.keyId}>
              <h3>
                Key <code>{key.keyId}</code>{' '}
                <small>{formatNumber(key.memoryTokens)} memory tokens</small>
              </h3>
              <BarChart
                title={`Key ${key.keyId}, memory tokens per day`}
                bars={lastDays(key.days, today)}
              />
            </div>
          ))}
        </>
      ) : null}
    </section>
  );
}
