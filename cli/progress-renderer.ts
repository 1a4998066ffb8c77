// Job progress on a terminal: on a TTY one line rewritten in place (\r) with a bar, percentage, rate
// and ETA; elsewhere (logs, CI) plain lines, at most one per interval plus every status change. Pure:
// given a clock and a writer, so tests can drive it.
import type { JobProgress } from '../lib/sdk/index.js';
import { displayWidth } from './format-table.js';

export interface ProgressRendererOptions {
  isTTY: boolean;
  now: () => number;
  write: (s: string) => void;
  /** Without a TTY: at most one line per this many ms (status changes always print). Default 10 s. */
  everyMs?: number;
  /** Cells of the bar; default 24. */
  barWidth?: number;
}

/** 75 → '1:15'; 3725 → '1:02:05'. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export const formatRate = (rate: number | undefined) => (rate === undefined ? '-' : rate >= 100 ? rate.toFixed(0) : rate.toFixed(1));
const percent = (p: JobProgress) => (p.fraction === undefined ? '--.-%' : `${(p.fraction * 100).toFixed(1)}%`);
const eta = (p: JobProgress) => (p.etaSeconds === undefined ? '--:--' : formatDuration(p.etaSeconds));

export class ProgressRenderer {
  private lastWidth = 0;
  private lastPrintAt: number | undefined;
  private lastStatus: string | undefined;
  private unprinted: string | undefined;

  constructor(private readonly o: ProgressRendererOptions) {}

  update(p: JobProgress): void {
    if (this.o.isTTY) {
      const line = this.ttyLine(p);
      const w = displayWidth(line);
      this.o.write(`\r${line}${' '.repeat(Math.max(0, this.lastWidth - w))}`);
      this.lastWidth = w;
      return;
    }
    const line = this.plainLine(p);
    const t = this.o.now();
    if (this.lastPrintAt === undefined || p.status !== this.lastStatus || t - this.lastPrintAt >= (this.o.everyMs ?? 10_000)) {
      this.o.write(line + '\n');
      this.lastPrintAt = t;
      this.unprinted = undefined;
    } else this.unprinted = line;
    this.lastStatus = p.status;
  }

  /** Ends the live line (TTY), or prints the last state if the interval held it back. */
  finish(): void {
    if (this.o.isTTY) {
      if (this.lastWidth > 0) this.o.write('\n');
      this.lastWidth = 0;
    } else if (this.unprinted) {
      this.o.write(this.unprinted + '\n');
      this.unprinted = undefined;
    }
  }

  ttyLine(p: JobProgress): string {
    const width = this.o.barWidth ?? 24;
    const filled = p.fraction === undefined ? 0 : Math.min(width, Math.floor(p.fraction * width));
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    return `${p.status.padEnd(13)} ${bar} ${percent(p).padStart(6)}  ${p.done}/${p.total}  ${p.failed} failed  ${formatRate(p.rate)} files/s  ETA ${eta(p)}`;
  }

  plainLine(p: JobProgress): string {
    return `[${formatDuration(Math.floor(p.elapsedMs / 1000))}] ${p.status} ${p.done}/${p.total} (${percent(p)}), ${p.failed} failed, ${formatRate(p.rate)} files/s, ETA ${eta(p)}`;
  }
}
