// The bench's result as a markdown table and an SVG chart drawn here (no browser, no chart library).
import type { DirectoryCeiling } from './directory-ceiling';

export interface StageFigure {
  stage: string;
  app: string;
  output: string;
  events: number;
  /** Seconds from the first register event to the stage's first output event. */
  startSeconds: number;
  /** First to last output event of the stage during initial provisioning. */
  windowSeconds: number;
  perSecond: number;
  /** CPU time the stage's process used during initial provisioning (boot excluded). */
  cpuSeconds: number;
  perCpuSecond: number;
}

export interface BenchResult {
  runId: string;
  startedAt: string;
  finishedAt: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  options: {
    persons: number;
    raw: number;
    connections: number;
    changeSeconds: number;
    changeRate: number;
    seed: number;
  };
  registers: Record<string, number>;
  provisioning: {
    registerPersons: number;
    /** Persons with an AD account and published attributes. */
    persons: number;
    seconds: number;
    perSecond: number;
    activeWithoutAccountOrAttributes: number;
    deadLetters: number;
    /** Both halves together. */
    ceiling: DirectoryCeiling;
    ceilingBefore: DirectoryCeiling & { sambaCpuSeconds: number };
    ceilingAfter: DirectoryCeiling & { sambaCpuSeconds: number };
    ratio: number;
    /** Samba's CPU time per raw add and per provisioned person (includes others' work on a shared machine). */
    sambaCpuSecondsPerObjectRaw: number;
    sambaCpuSecondsPerPerson: number;
    /** How long after the last account/attributes event the last waiting group memberships were in AD (counted in `seconds`). */
    membershipsWrittenAfterLastEventSeconds?: number;
    targetRatio: number;
    /**
     * Events of each type (domain.entity.verb) seen until provisioning ended: e.g. how many accounts
     * needed a second write (directory.account.updated) besides their add.
     */
    eventsByType?: Record<string, number>;
  };
  latency: {
    measured: number;
    resolved: number;
    failedRequests: number;
    firstFailure?: string;
    backgroundChanges: number;
    backgroundApplied: number;
    changesPerSecond: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
    targetP95Ms: number;
    /** Each step's arrival after the admin call, p50/p95 over the resolved renames. */
    segments: Record<
      'registerEvent' | 'identityEvent' | 'adUpdated' | 'attributesPublished',
      { p50Ms: number; p95Ms: number }
    >;
  };
  stages: StageFigure[];
  memory: Array<{ app: string; peakRssMiB: number; cpuSeconds: number }>;
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
const mark = (ok: boolean) => (ok ? 'met' : 'missed');
const seg = (s: { p50Ms: number; p95Ms: number }) => `${f0(s.p50Ms)} / ${f0(s.p95Ms)}`;
const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');

export function renderMarkdown(r: BenchResult): string {
  const p = r.provisioning;
  const l = r.latency;
  const lines = [
    `# skolkonto system bench — ${r.startedAt}`,
    '',
    `${r.options.persons} persons in the four registers (${Object.entries(r.registers)
      .map(([t, n]) => `${t.replace(/-[0-9a-f]{6}$/, '')} ${n}`)
      .join(
        ', ',
      )}); every app as its own process on ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}; ` +
      `load average (1/5/15 min) ${load(r.machine.loadAverageBefore)} before, ${load(r.machine.loadAverageAfter)} after; ` +
      `${r.options.connections} LDAP connections.`,
    '',
    '| figure | measured | target | |',
    '|---|---|---|---|',
    `| initial provisioning, register → AD account → attributes published | **${f1(p.perSecond)} persons/s** (${p.persons} in ${f1(p.seconds)} s${p.membershipsWrittenAfterLastEventSeconds ? `, the last waiting group memberships in AD ${f1(p.membershipsWrittenAfterLastEventSeconds)} s after the last account` : ''}) | | |`,
    `| directory ceiling: raw ldapts adds with password, same run | **${f1(p.ceiling.perSecond)} objects/s** (${p.ceiling.objects} in ${f1(p.ceiling.seconds)} s, ${p.ceiling.connections} connections; ${f1(p.ceilingBefore.perSecond)} before the apps, ${f1(p.ceilingAfter.perSecond)} after provisioning) | | |`,
    `| Samba CPU per raw add / per provisioned person | ${(p.sambaCpuSecondsPerObjectRaw * 1000).toFixed(0)} ms / ${(p.sambaCpuSecondsPerPerson * 1000).toFixed(0)} ms (all of Samba's CPU in that time; others' work included on a shared machine) | | |`,
    `| Samba busy (its CPU time / wall time) during the raw loop / during provisioning | ${pct(sambaBusyRaw(p))} / ${pct(sambaBusyProvisioning(p))} (ratio ≈ busy share × CPU share: ${(sambaBusyProvisioning(p) / sambaBusyRaw(p)).toFixed(2)} × ${(p.sambaCpuSecondsPerObjectRaw / p.sambaCpuSecondsPerPerson).toFixed(2)}) | | |`,
    `| ratio end to end / ceiling | **${p.ratio.toFixed(2)}** | ≥ ${p.targetRatio} | ${mark(p.ratio >= p.targetRatio)} |`,
    `| change latency p50 / p95 / p99 (register change → AD updated and attributes published) | **${f0(l.p50Ms)} / ${f0(l.p95Ms)} / ${f0(l.p99Ms)} ms** (max ${f0(l.maxMs)}; ${l.resolved} of ${l.measured} renames among ${l.backgroundChanges} class changes, ${l.changesPerSecond} changes/s) | p95 ≤ ${l.targetP95Ms} ms | ${mark(l.p95Ms <= l.targetP95Ms && l.resolved === l.measured)} |`,
    '',
    `Where a rename's time goes (from the admin call; p50 / p95 ms): register event (webhook + delta pull) ${seg(l.segments.registerEvent)}, ` +
      `identity event ${seg(l.segments.identityEvent)}, AD updated ${seg(l.segments.adUpdated)}, attributes published ${seg(l.segments.attributesPublished)}.`,
    '',
    '## Stages during initial provisioning',
    '',
    "events/s is over the stage's own busy window (first to last event it published); a stage behind a slower one",
    "is paced by it, so events per CPU-second (its process's CPU time, boot excluded) is its capacity on one core.",
    '',
    '| stage | output | events | first after (s) | window (s) | events/s | CPU (s) | events per CPU-s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...r.stages.map(
      (s) =>
        `| ${s.stage} | ${s.output} | ${s.events} | ${f1(s.startSeconds)} | ${f1(s.windowSeconds)} | ${f1(s.perSecond)} | ${f1(s.cpuSeconds)} | ${f0(s.perCpuSecond)} |`,
    ),
    '',
    ...(p.eventsByType
      ? [
          `Events by type until provisioning ended: ${Object.entries(p.eventsByType)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([type, n]) => `${type} ${n}`)
            .join(', ')}.`,
          '',
        ]
      : []),
    '## Peak memory (VmHWM) and CPU of each process, whole run',
    '',
    '| process | peak RSS (MiB) | CPU (s) |',
    '|---|---:|---:|',
    ...r.memory.map((m) => `| ${m.app} | ${f0(m.peakRssMiB)} | ${f1(m.cpuSeconds)} |`),
    '',
  ];
  if (p.activeWithoutAccountOrAttributes > 0)
    lines.push(
      `Note: ${p.activeWithoutAccountOrAttributes} active identities ended without an account or published attributes.`,
      '',
    );
  if (p.deadLetters > 0)
    lines.push(`Note: ${p.deadLetters} messages were dead-lettered during the run (see the apps' logs).`, '');
  if (l.failedRequests > 0)
    lines.push(
      `Note: ${l.failedRequests} register changes were refused by the simulator (first: ${l.firstFailure}).`,
      '',
    );
  return `${lines.join('\n')}`;
}

interface Bar {
  label: string;
  value: number;
  text: string;
  color: string;
}

const WIDTH = 900;
const LABEL = 230;
const BAR_H = 22;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(
  title: string,
  bars: Bar[],
  top: number,
  target?: { value: number; label: string },
): { svg: string; height: number } {
  const max = Math.max(...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), target?.value ?? 0) || 1;
  // Room right of the longest bar for its value text.
  const plot = WIDTH - LABEL - 200;
  const x = (v: number) => LABEL + (Math.max(0, Number.isFinite(v) ? v : 0) / max) * plot;
  const parts = [`<text x="20" y="${top + 18}" class="title">${escapeXml(title)}</text>`];
  bars.forEach((b, i) => {
    const y = top + 32 + i * (BAR_H + 8);
    parts.push(
      `<text x="${LABEL - 10}" y="${y + 16}" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${(x(b.value) - LABEL).toFixed(1)}" height="${BAR_H}" fill="${b.color}"/>`,
      `<text x="${(x(b.value) + 6).toFixed(1)}" y="${y + 16}">${escapeXml(b.text)}</text>`,
    );
  });
  const height = 32 + bars.length * (BAR_H + 8) + 16;
  if (target) {
    const tx = x(target.value).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top + 26}" x2="${tx}" y2="${top + height - 12}" stroke="#c0392b" stroke-dasharray="5,4"/>`,
      `<text x="${tx}" y="${top + height - 1}" text-anchor="middle" class="target">${escapeXml(target.label)}</text>`,
    );
  }
  return { svg: parts.join('\n'), height: height + 14 };
}

export function renderSvg(r: BenchResult): string {
  const p = r.provisioning;
  const l = r.latency;
  const panels: Array<[string, Bar[], { value: number; label: string }?]> = [
    [
      `Initial provisioning, ${p.persons} persons — ratio ${p.ratio.toFixed(2)} (target ≥ ${p.targetRatio})`,
      [
        { label: 'end to end (persons/s)', value: p.perSecond, text: f1(p.perSecond), color: '#2e86de' },
        {
          label: 'directory ceiling (adds/s)',
          value: p.ceiling.perSecond,
          text: f1(p.ceiling.perSecond),
          color: '#95a5a6',
        },
      ],
      { value: p.ceiling.perSecond * p.targetRatio, label: `${p.targetRatio} × ceiling` },
    ],
    [
      `Change latency, ${l.resolved} renames under ${l.changesPerSecond} changes/s (ms)`,
      [
        { label: 'p50', value: l.p50Ms, text: `${f0(l.p50Ms)} ms`, color: '#27ae60' },
        { label: 'p95', value: l.p95Ms, text: `${f0(l.p95Ms)} ms`, color: '#f39c12' },
        { label: 'p99', value: l.p99Ms, text: `${f0(l.p99Ms)} ms`, color: '#e67e22' },
      ],
      { value: l.targetP95Ms, label: `p95 target ${l.targetP95Ms} ms` },
    ],
    [
      'Stage throughput during provisioning (events/s over its busy window)',
      r.stages.map((s) => ({
        label: s.stage,
        value: s.perSecond,
        text: `${f1(s.perSecond)}/s  (${f0(s.perCpuSecond)} per CPU-s)`,
        color: '#8e44ad',
      })),
    ],
    [
      'Peak memory, VmHWM (MiB)',
      r.memory.map((m) => ({
        label: m.app,
        value: m.peakRssMiB,
        text: `${f0(m.peakRssMiB)} MiB`,
        color: '#16a085',
      })),
    ],
  ];
  let top = 40;
  const body: string[] = [];
  for (const [title, bars, target] of panels) {
    const drawn = panel(title, bars, top, target);
    body.push(drawn.svg);
    top += drawn.height;
  }
  const subtitle = `${r.startedAt} · ${r.machine.cpus} cores · load ${load(r.machine.loadAverageBefore)} → ${load(r.machine.loadAverageAfter)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 10}" viewBox="0 0 ${WIDTH} ${top + 10}" font-family="sans-serif" font-size="13">
<style>.title{font-weight:bold;font-size:14px}.target{fill:#c0392b;font-size:11px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="24" font-size="16" font-weight="bold">skolkonto system bench</text>
<text x="${WIDTH - 20}" y="24" text-anchor="end" fill="#555">${escapeXml(subtitle)}</text>
${body.join('\n')}
</svg>
`;
}

/** Samba's CPU time over the wall time of both raw-loop halves. */
function sambaBusyRaw(p: BenchResult['provisioning']): number {
  return (p.ceilingBefore.sambaCpuSeconds + p.ceilingAfter.sambaCpuSeconds) / (p.ceilingBefore.seconds + p.ceilingAfter.seconds);
}

/**
 * Samba's CPU time over the provisioning window. Its ratio to the raw loop's says how well the
 * pipeline keeps the directory fed (it shares the machine's cores); Samba's CPU per raw add over
 * per provisioned person says how much more directory work a person is than a bare add.
 */
function sambaBusyProvisioning(p: BenchResult['provisioning']): number {
  return (p.sambaCpuSecondsPerPerson * p.persons) / p.seconds;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}
