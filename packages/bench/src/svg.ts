/**
 * A hand-written SVG bar chart: per HTTP case, one bar per contender, its req/s as a ratio to the
 * ceiling, with a line at 1.0. No dependency, readable in any browser or on a repository page.
 * @packageDocumentation
 */
import type { HttpCaseResult } from './http-bench.js';

const COLORS = ['#555555', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The chart for `cases` and `contenders` (the ceiling's own bar is 1.0 by definition). */
export function ratioChart(cases: HttpCaseResult[], contenders: string[]): string {
  const barW = 12;
  const gap = 18;
  const groupW = contenders.length * barW + gap;
  const left = 50;
  const top = 40;
  const plotH = 240;
  const width = left + cases.length * groupW + 90; // room for the last rotated label
  const height = top + plotH + 110 + 20 * Math.ceil(contenders.length / 4);
  const max = Math.max(1.2, ...cases.flatMap((c) => contenders.map((n) => c.ratioToCeiling[n] ?? 0)).filter(Number.isFinite));
  const y = (v: number) => Math.round((top + plotH - (v / max) * plotH) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">req/s as a ratio to the ceiling (bare node:http from a Map), per case</text>`,
  ];
  for (let t = 0; t <= max + 1e-9; t += max > 2 ? 0.5 : 0.25) {
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(t)}" y2="${y(t)}" stroke="#e0e0e0"/>`,
      `<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(1)}" y2="${y(1)}" stroke="#000" stroke-dasharray="4 3"/>`);
  cases.forEach((c, ci) => {
    const x0 = left + ci * groupW + gap / 2;
    contenders.forEach((n, i) => {
      const v = c.ratioToCeiling[n];
      const x = x0 + i * barW;
      // Not a contender of this case (the S3 ones run in a few cases only): no bar and no mark.
      if (!(n in c.results)) return;
      if (v === undefined || !Number.isFinite(v)) {
        // No bar: crashed or failed. A red x says so instead of a misleading zero.
        parts.push(`<text x="${x + barW / 2}" y="${y(0) - 3}" text-anchor="middle" fill="#d62728" font-weight="bold">x</text>`);
        return;
      }
      const m = c.results[n];
      const title = `${n} / ${c.name}: ${v.toFixed(2)}${m && !m.statusOk ? ` (answered ${m.status}, expected ${c.expectStatus})` : ''}`;
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${Math.round((y(0) - y(v)) * 10) / 10}" fill="${COLORS[i % COLORS.length]}"${m && !m.statusOk ? ' fill-opacity="0.35"' : ''}><title>${escapeXml(title)}</title></rect>`,
      );
    });
    const cx = x0 + (contenders.length * barW) / 2;
    parts.push(`<text transform="translate(${cx},${y(0) + 12}) rotate(35)" text-anchor="start">${escapeXml(c.name)}</text>`);
  });
  const ly = top + plotH + 95;
  contenders.forEach((n, i) => {
    const lx = left + (i % 4) * 170;
    const yy = ly + Math.floor(i / 4) * 20;
    parts.push(`<rect x="${lx}" y="${yy - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`, `<text x="${lx + 14}" y="${yy}">${escapeXml(n)}</text>`);
  });
  parts.push(`<text x="${left}" y="${height - 6}" fill="#666">pale bar: wrong status for the case; red x: crashed or failed</text>`, '</svg>');
  return parts.join('\n');
}
