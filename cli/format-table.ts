// Plain-text tables for the terminal: aligned columns, wide (CJK) characters counted as two cells,
// long cells cut with an ellipsis. Pure: strings in, a string out.

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Cells wider than this are cut, ending with '…'. */
  maxWidth?: number;
}

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

/** Terminal cells a string takes. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += WIDE.test(ch) || (ch.codePointAt(0)! >= 0x1f300 && ch.codePointAt(0)! <= 0x1faff) ? 2 : 1;
  return w;
}

function cut(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = displayWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return out.trimEnd() + '…';
}

const pad = (s: string, width: number, align: 'left' | 'right') => {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(s)));
  return align === 'right' ? fill + s : s + fill;
};

/**
 * One line a terminal shows as text: line breaks and tabs become a space; any other control character
 * (an escape sequence in a name or a model's tag) and half a surrogate pair become U+FFFD.
 */
export function printable(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ').replace(/[\p{Cc}\p{Cs}]/gu, '\ufffd');
}

/** Header, then one line per row; columns two spaces apart; no trailing spaces; ends with a newline. */
export function formatTable(columns: readonly Column[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((r) => columns.map((c, i) => cut(printable(r[i] ?? ''), c.maxWidth ?? Infinity)));
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((r) => displayWidth(r[i]!))));
  const line = (r: readonly string[]) => r.map((s, i) => pad(s, widths[i]!, columns[i]!.align ?? 'left')).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}

/** 1536 → '1.5 KB' (powers of 1024, as file managers show sizes). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
