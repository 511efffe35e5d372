import { formatNumber } from '../format';

export interface Bar {
  label: string;
  value: number;
}

/** Bars scaled to the largest value, each with its value as a tooltip. */
export function BarChart({ bars, title }: { bars: Bar[]; title: string }) {
  const width = 600;
  const height = 120;
  const gap = 2;
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const barWidth = bars.length === 0 ? 0 : width / bars.length - gap;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label={title}>
        {bars.map((bar, index) => {
          const barHeight = Math.round((bar.value / max) * height);
          const x = index * (barWidth + gap);
          return (
            <g key={bar.label} class="bar" data-value={bar.value}>
              <title>{`${bar.label}: ${formatNumber(bar.value)} memory tokens`}</title>
              <rect
                x={x}
                y={height - barHeight}
                width={barWidth}
                height={Math.max(barHeight, bar.value > 0 ? 1 : 0)}
              />
              {(bars.length - 1 - index) % 7 === 0 ? (
                <text
                  x={index === bars.length - 1 ? x + barWidth : x + barWidth / 2}
                  y={height + 14}
                  text-anchor={index === bars.length - 1 ? 'end' : 'middle'}
                >
                  {bar.label.slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
        <line x1="0" x2={width} y1={height} y2={height} class="axis" />
      </svg>
      <figcaption>
        {title} (peak {formatNumber(max === 1 && bars.every((bar) => bar.value === 0) ? 0 : max)})
      </figcaption>
    </figure>
  );
}
