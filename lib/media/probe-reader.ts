// Bounded, windowed reads over a ByteSource for the header probe: a 64 KiB head, then a few windows.
import type { ByteSource } from './byte-source.js';
import { MediaError } from './media-error.js';


/** The probe spent its read budget: the walker decides whether what it has seen suffices. */
export class ReadBudgetExhausted extends Error {
  constructor(
    readonly reads: number,
    readonly bytesRead: number,
  ) {
    super(`header walk stopped after ${reads} reads (${bytesRead} bytes)`);
    this.name = 'ReadBudgetExhausted';
  }
}

export interface ProbeReaderOptions {
  /** Bytes fetched by the first read. */
  headBytes?: number;
  /** Bytes fetched by the first read after the head; each later read fetches twice the one before, up to maxWindowBytes. */
  windowBytes?: number;
  maxWindowBytes?: number;
  /** Reads allowed after the head (one more for `tail`). */
  maxReads?: number;
  /** Bytes allowed after the head. */
  maxReadBytes?: number;
}

interface Window {
  offset: number;
  data: Buffer;
}

export class ProbeReader {
  readonly size: number;
  private readonly headBytes: number;
  private readonly maxWindowBytes: number;
  private readonly maxReads: number;
  private readonly maxReadBytes: number;
  private windowBytes: number;
  private reads = 0;
  private bytesRead = 0;
  private tailUsed = false;
  private head: Window | undefined;
  private recent: Window[] = [];

  constructor(
    private readonly src: ByteSource,
    options: ProbeReaderOptions = {},
  ) {
    this.size = src.size;
    this.headBytes = options.headBytes ?? 64 * 1024;
    this.windowBytes = options.windowBytes ?? 64 * 1024;
    this.maxWindowBytes = options.maxWindowBytes ?? 1024 * 1024;
    this.maxReads = options.maxReads ?? 32;
    this.maxReadBytes = options.maxReadBytes ?? 16 * 1024 * 1024;
  }

  /** The first bytes of the file (one read, shared by sniffing and every walker). */
  async start(): Promise<Buffer> {
    if (!this.head) this.head = { offset: 0, data: await this.src.read(0, Math.min(this.headBytes, this.size)) };
    return this.head.data;
  }

  /** True when `length` bytes at `offset` are already in memory (reading them costs nothing). */
  has(offset: number, length: number): boolean {
    const end = Math.min(offset + length, this.size);
    return this.cached(offset, end) !== undefined;
  }

  /** Up to `length` bytes at `offset` (fewer at end of file). */
  async upTo(offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || length < 0) throw new MediaError(`negative offset ${offset}`);
    const end = Math.min(offset + length, this.size);
    if (offset >= end) return Buffer.alloc(0);
    const hit = this.cached(offset, end);
    if (hit) return hit;
    if (this.reads >= this.maxReads || this.bytesRead >= this.maxReadBytes) throw new ReadBudgetExhausted(this.reads, this.bytesRead);
    const want = Math.min(Math.max(end - offset, this.windowBytes), this.size - offset);
    this.reads++;
    this.bytesRead += want;
    this.windowBytes = Math.min(this.windowBytes * 2, this.maxWindowBytes);
    const data = await this.src.read(offset, want);
    this.recent = [{ offset, data }, ...this.recent].slice(0, 2);
    return data.subarray(0, Math.min(data.length, end - offset));
  }

  /** Exactly `length` bytes at `offset`, or a MediaError naming `what` was cut short. */
  async bytes(offset: number, length: number, what: string): Promise<Buffer> {
    if (offset + length > this.size) throw new MediaError(truncated(what, offset, length, this.size));
    const data = await this.upTo(offset, length);
    if (data.length < length) throw new MediaError(truncated(what, offset, length, offset + data.length));
    return data;
  }

  /**
   * The last `length` bytes of the file. Allowed once even when the budget is spent, so a walker
   * that had to stop early can still check that the file ends the way it should.
   */
  async tail(length: number): Promise<Buffer> {
    const offset = Math.max(0, this.size - length);
    if (!this.tailUsed && !this.has(offset, this.size - offset)) {
      this.tailUsed = true;
      this.reads = Math.min(this.reads, this.maxReads - 1);
      this.bytesRead = Math.min(this.bytesRead, this.maxReadBytes - 1);
    }
    return this.upTo(offset, this.size - offset);
  }

  private cached(offset: number, end: number): Buffer | undefined {
    for (const w of this.head ? [this.head, ...this.recent] : this.recent) {
      if (offset >= w.offset && end <= w.offset + w.data.length) return w.data.subarray(offset - w.offset, end - w.offset);
    }
    return undefined;
  }
}

function truncated(what: string, offset: number, length: number, available: number): string {
  return `truncated: ${what} needs bytes ${offset}..${offset + length} but the file ends at ${available}`;
}
