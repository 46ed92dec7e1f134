export interface ThroughputPoint {
  minute: string;
  counts: Record<string, number>;
}

const STAGES = ['register', 'identity', 'directory', 'federation', 'ops', 'deadletter'];

/** Stacked bars per minute, one colour per stage (colours in styles.css). */
export function ThroughputChart({ points }: { points: ThroughputPoint[] }) {
  const width = 600;
  const height = 140;
  const max = Math.max(1, ...points.map((p) => Object.values(p.counts).reduce((a, b) => a + b, 0)));
  const barWidth = points.length ? width / points.length : width;
  return (
    <figure class="chart" data-testid="throughput-chart">
      <div class="axis">
        <span>{max}/min</span>
      </div>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="events per minute, last hour">
        {points.map((p, i) => {
          let y = height;
          return (
            <g>
              {STAGES.map((stage) => {
                const n = p.counts[stage] ?? 0;
                if (!n) return null;
                const h = (n / max) * height;
                y -= h;
                return (
                  <rect class={`stage-${stage}`} x={i * barWidth + 1} y={y} width={Math.max(1, barWidth - 2)} height={h}>
                    <title>{`${p.minute.slice(11, 16)} ${stage}: ${n}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <div class="axis spread">
        <span>−60 min</span>
        <span>now</span>
      </div>
      <figcaption>
        {STAGES.map((s) => (
          <span class={`legend stage-${s}`}>{s}</span>
        ))}
      </figcaption>
    </figure>
  );
}
