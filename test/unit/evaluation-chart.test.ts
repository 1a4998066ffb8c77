// Views of an evaluation: the SVG chart is well-formed, has one line per index at the right places and
// escapes names; the plain-text table matches a golden string.
import { describe, expect, it } from 'vitest';
import { escapeXml, formatEvaluationTable, precisionChartSvg, type EvaluationSummary } from '../../lib/services/evaluation-chart.js';

// The seed's §4.5 GME-2B figures (P@K), with made-up recall and mAP.
const result: EvaluationSummary = {
  ks: [1, 5, 10, 50, 100],
  indexes: [
    { name: 'gme-2b base', precisionAtK: { 1: 0.3542, 5: 0.528, 10: 0.5923, 50: 0.58, 100: 0.5792 }, recallAtK: { 100: 0.81234 }, map: 0.41 },
    { name: 'tuned <1 epoch> & "A/B"', precisionAtK: { 1: 0.4271, 5: 0.648, 10: 0.7308, 50: 0.7331, 100: 0.7404 }, recallAtK: { 100: 1 }, map: 0.5 },
  ],
};

/** Checks tags nest and close, attributes are quoted, and `&` only starts an entity; returns the element names in order. */
function wellFormed(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const text = xml.slice(at, m.index);
    expect(text, `text before ${m[0]}`).not.toMatch(/[<>]/);
    at = m.index + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `</${name}>`).toBe(name);
    else {
      names.push(name!);
      if (!selfClosing) stack.push(name!);
    }
  }
  expect(xml.slice(at).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(xml.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
  return names;
}

describe('precision chart (SVG)', () => {
  const svg = precisionChartSvg(result);

  it('is well-formed, self-contained and deterministic', () => {
    const names = wellFormed(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).not.toMatch(/href|<script|<style/);
    expect(precisionChartSvg(result)).toBe(svg);
  });

  it('draws one line per index, K evenly spaced on x and precision 0..1 on y', () => {
    const lines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
    expect(lines).toHaveLength(2);
    // plot: x from 64 to 608 (5 Ks → a step of 136); y = 328 − 280·P
    expect(lines[0]!.map(([x]) => x)).toEqual([64, 200, 336, 472, 608]);
    expect(lines[0]![0]![1]).toBe(Math.round((328 - 280 * 0.3542) * 10) / 10); // 228.8
    expect(lines[1]![4]![1]).toBe(Math.round((328 - 280 * 0.7404) * 10) / 10); // 120.7
    for (const k of result.ks) expect(svg).toContain(`>${k}</text>`);
  });

  it('names each index in the legend, escaped', () => {
    expect(svg).toContain('tuned &lt;1 epoch&gt; &amp; &quot;A/B&quot; (mAP 0.5000)');
    expect(svg).toContain('gme-2b base (mAP 0.4100)');
    expect(svg).not.toContain('<1 epoch>');
    expect(escapeXml(`a\u0001b'`)).toBe('a\uFFFDb&apos;');
  });

  it('one K puts the points in the middle', () => {
    const one = precisionChartSvg({ ks: [10], indexes: [{ name: 'x', precisionAtK: { 10: 1 }, recallAtK: {}, map: 1 }] });
    wellFormed(one);
    expect(one).toContain('points="336,48"');
  });
});

describe('evaluation table', () => {
  it('matches the golden text: rows = indexes; P@K…, R@Kmax, mAP with four decimals', () => {
    expect(formatEvaluationTable(result)).toBe(
      [
        'index                       P@1     P@5    P@10    P@50   P@100   R@100     mAP',
        'gme-2b base              0.3542  0.5280  0.5923  0.5800  0.5792  0.8123  0.4100',
        'tuned <1 epoch> & "A/B"  0.4271  0.6480  0.7308  0.7331  0.7404  1.0000  0.5000',
        '',
      ].join('\n'),
    );
  });

  it('a missing value is shown as -', () => {
    expect(formatEvaluationTable({ ks: [1], indexes: [{ name: 'x', precisionAtK: {}, recallAtK: { 1: 0.5 }, map: 0 }] })).toBe(
      ['index  P@1     R@1     mAP', 'x        -  0.5000  0.0000', ''].join('\n'),
    );
  });
});
