export interface SeriesPoint {
  jobs: number;
  calls: number;
  wallMs: number;
  boundMs: number;
  cpuMs: number;
  peakRssMb: number;
}

/**
 * The scaling series as a small SVG line chart (no dependency): warm cycle wall time, its critical-path
 * bound and CPU time in seconds (left axis), peak RSS in MB (right axis), against jobs watched.
 */
export function seriesSvg(points: SeriesPoint[], title: string): string {
  const W = 720;
  const H = 400;
  const m = { left: 60, right: 60, top: 40, bottom: 50 };
  const maxJobs = Math.max(...points.map((p) => p.jobs));
  const maxSec = niceCeil(Math.max(...points.flatMap((p) => [p.wallMs, p.boundMs, p.cpuMs])) / 1000);
  const maxMb = niceCeil(Math.max(...points.map((p) => p.peakRssMb)));
  const x = (jobs: number) => m.left + (jobs / maxJobs) * (W - m.left - m.right);
  const yLeft = (sec: number) => H - m.bottom - (sec / maxSec) * (H - m.top - m.bottom);
  const yRight = (mb: number) => H - m.bottom - (mb / maxMb) * (H - m.top - m.bottom);
  const line = (ys: number[], color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${points
      .map((p, i) => `${x(p.jobs).toFixed(1)},${(ys[i] as number).toFixed(1)}`)
      .join(' ')}"/>` +
    points
      .map(
        (p, i) =>
          `<circle cx="${x(p.jobs).toFixed(1)}" cy="${(ys[i] as number).toFixed(1)}" r="3" fill="${color}"/>`,
      )
      .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map((t) => {
      const y = H - m.bottom - t * (H - m.top - m.bottom);
      return `<line x1="${m.left}" x2="${W - m.right}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${fmt(t * maxSec)} s</text><text x="${W - m.right + 6}" y="${y + 4}">${fmt(t * maxMb)} MB</text>`;
    })
    .join('');
  const xTicks = points
    .map(
      (p) =>
        `<text x="${x(p.jobs)}" y="${H - m.bottom + 18}" text-anchor="middle">${(p.jobs / 1000).toFixed(p.jobs < 10_000 ? 1 : 0)}k</text>`,
    )
    .join('');
  const legend = [
    ['#1f77b4', 'warm cycle wall (s)', ''],
    ['#1f77b4', 'critical-path bound (s)', '5,4'],
    ['#2ca02c', 'CPU (s)', ''],
    ['#d62728', 'peak RSS (MB, right axis)', ''],
  ]
    .map(
      ([color, label, dash], i) =>
        `<line x1="${m.left + 10 + i * 165}" x2="${m.left + 35 + i * 165}" y1="${m.top - 14}" y2="${m.top - 14}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${m.left + 40 + i * 165}" y="${m.top - 10}">${label}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<title>${escapeXml(title)}</title>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>
${grid}${xTicks}${legend}
<text x="${W / 2}" y="${H - 12}" text-anchor="middle">jobs watched (default fleet mix, scaled)</text>
${line(
  points.map((p) => yLeft(p.wallMs / 1000)),
  '#1f77b4',
)}
${line(
  points.map((p) => yLeft(p.boundMs / 1000)),
  '#1f77b4',
  '5,4',
)}
${line(
  points.map((p) => yLeft(p.cpuMs / 1000)),
  '#2ca02c',
)}
${line(
  points.map((p) => yRight(p.peakRssMb)),
  '#d62728',
)}
</svg>
`;
}

function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

const fmt = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(1));
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
