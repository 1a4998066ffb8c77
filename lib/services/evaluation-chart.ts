// Views of an evaluation's results: a self-contained SVG line chart of Precision@K per index, and the
// plain-text table of the seed's §4.5 (rows = indexes; P@K…, R@Kmax, mAP). Deterministic output.

/** What the views need of an evaluation (EvaluationResult has it; a client maps the wire's fields to it). */
export interface EvaluationSummary {
  ks: readonly number[];
  indexes: ReadonlyArray<{
    name: string;
    precisionAtK: Readonly<Record<number, number>>;
    recallAtK: Readonly<Record<number, number>>;
    map: number;
  }>;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const WIDTH = 640;
const PLOT_HEIGHT = 280;
const MARGIN = { left: 64, right: 32, top: 48, bottom: 56 };
const LEGEND_ROW = 20;

/** An SVG line chart of Precision@K: x = the Ks, evenly spaced; y = 0..1; one line and legend entry per index. */
export function precisionChartSvg(result: EvaluationSummary, title = 'Precision@K'): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotBottom = MARGIN.top + PLOT_HEIGHT;
  const height = plotBottom + MARGIN.bottom + LEGEND_ROW * result.indexes.length + 8;
  const xOf = (i: number) => MARGIN.left + (result.ks.length === 1 ? plotW / 2 : (i * plotW) / (result.ks.length - 1));
  const yOf = (v: number) => plotBottom - Math.min(1, Math.max(0, v)) * PLOT_HEIGHT;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16">${escapeXml(title)}</text>`,
  ];
  for (let g = 0; g <= 5; g++) {
    const v = g / 5;
    const y = num(yOf(v));
    out.push(`<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotW}" y2="${y}" stroke="${g === 0 ? '#333333' : '#dddddd'}"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${num(yOf(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  result.ks.forEach((k, i) => {
    const x = num(xOf(i));
    out.push(`<line x1="${x}" y1="${plotBottom}" x2="${x}" y2="${plotBottom + 4}" stroke="#333333"/>`);
    out.push(`<text x="${x}" y="${plotBottom + 18}" text-anchor="middle">${k}</text>`);
  });
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${plotBottom + 38}" text-anchor="middle">K</text>`);
  out.push(`<text x="18" y="${MARGIN.top + PLOT_HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + PLOT_HEIGHT / 2})">Precision@K</text>`);

  result.indexes.forEach((index, n) => {
    const colour = PALETTE[n % PALETTE.length]!;
    const points = result.ks
      .map((k, i) => ({ k, x: xOf(i), v: index.precisionAtK[k] }))
      .filter((p): p is { k: number; x: number; v: number } => typeof p.v === 'number' && Number.isFinite(p.v));
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${num(p.x)},${num(yOf(p.v))}`).join(' ')}"/>`);
    for (const p of points) {
      out.push(`<circle cx="${num(p.x)}" cy="${num(yOf(p.v))}" r="3" fill="${colour}"><title>${escapeXml(`${index.name} P@${p.k} = ${p.v.toFixed(4)}`)}</title></circle>`);
    }
    const y = plotBottom + MARGIN.bottom + n * LEGEND_ROW;
    out.push(`<line x1="${MARGIN.left}" y1="${y - 4}" x2="${MARGIN.left + 24}" y2="${y - 4}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${MARGIN.left + 32}" y="${y}">${escapeXml(`${index.name} (mAP ${index.map.toFixed(4)})`)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/**
 * The seed's §4.5 table as plain text: one row per index, columns P@K for each K, R@Kmax and mAP, four
 * decimals, columns aligned (names padded on the right, numbers on the left).
 */
export function formatEvaluationTable(result: EvaluationSummary): string {
  const maxK = result.ks[result.ks.length - 1];
  const header = ['index', ...result.ks.map((k) => `P@${k}`), ...(maxK !== undefined ? [`R@${maxK}`] : []), 'mAP'];
  const rows = result.indexes.map((x) => [
    x.name,
    ...result.ks.map((k) => fixed(x.precisionAtK[k])),
    ...(maxK !== undefined ? [fixed(x.recallAtK[maxK])] : []),
    fixed(x.map),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Text and attribute values safe inside XML. */
export function escapeXml(s: string): string {
  // Control characters XML 1.0 cannot hold at all become U+FFFD.
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const num = (v: number) => String(Math.round(v * 10) / 10);
const fixed = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '-');
