import type { SearchHit } from '@memoryrouter/client';
import { formatRelative } from '../format';

/** Ages marked on the axis. */
const TICKS: [string, number][] = [
  ['1 min', 60_000],
  ['1 h', 3_600_000],
  ['1 d', 86_400_000],
  ['1 w', 7 * 86_400_000],
  ['30 d', 30 * 86_400_000],
  ['1 y', 365 * 86_400_000],
  ['5 y', 5 * 365 * 86_400_000],
];

/**
 * Where the hits fall in time, measured back from the search's reference
 * time on a log scale (so minutes and years both fit), coloured by window.
 */
export function HitTimeline({ hits, now }: { hits: SearchHit[]; now: number }) {
  const width = 600;
  const pad = 24;
  const minAge = TICKS[0]![1];
  const maxAge = Math.max(
    TICKS.at(-1)![1],
    ...hits.map((hit) => now - Date.parse(hit.memory.createdAt)),
  );
  const span = Math.log(maxAge / minAge);
  // Newest at the right, as on a calendar.
  const x = (age: number) =>
    width - pad - (Math.log(Math.max(age, minAge) / minAge) / span) * (width - 2 * pad);
  return (
    <figure class="timeline">
      <svg viewBox={`0 0 ${width} 56`} role="img" aria-label="Where the hits fall in time">
        <line x1={pad} x2={width - pad} y1="24" y2="24" class="axis" />
        {TICKS.map(([label, age]) => (
          <g key={label}>
            <line x1={x(age)} x2={x(age)} y1="19" y2="29" class="tick" />
            <text x={x(age)} y="46" text-anchor="middle">
              {label}
            </text>
          </g>
        ))}
        {hits.map((hit) => (
          <circle
            key={`${hit.window}:${hit.memory.id}`}
            class={`dot ${hit.window.toLowerCase()}`}
            cx={x(now - Date.parse(hit.memory.createdAt))}
            cy="24"
            r="6"
          >
            <title>{`${hit.window}: ${formatRelative(hit.memory.createdAt, now)} — ${hit.memory.content.slice(0, 80)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>
        Hits by age, back from the reference time (log scale; right is newest)
      </figcaption>
    </figure>
  );
}
