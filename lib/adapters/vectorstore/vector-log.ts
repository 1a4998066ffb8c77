// Append-only change log of one index since its last snapshot: one checksummed record per upsert or delete
// call, made durable (fdatasync) before the call returns. A record is applied whole or not at all: a torn
// tail left by a crash fails its length or checksum check and is cut off when the log is reopened.
// Syncs run in the thread pool and are shared: callers waiting at once ride one fdatasync (group commit).
import { closeSync, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { PRIVATE_FILE_MODE } from '../private-files.js';

/** "LVL1" */
const MAGIC = 0x314c564c;
const HEADER_BYTES = 16;
const KIND_UPSERT = 1;
const KIND_DELETE = 2;
export const MAX_ID_BYTES = 1024;

export type LogEntry = { kind: 'upsert'; records: { id: string; unit: Float32Array }[] } | { kind: 'delete'; ids: string[] };

/** One replayed entry and the byte range it occupies. */
export interface LoggedEntry {
  entry: LogEntry;
  start: number;
  end: number;
}

/** The record bytes of `entry`, written into `reuse` when it is large enough (fresh memory is slow to touch). */
export function encodeEntry(entry: LogEntry, dimension: number, reuse?: Buffer): Buffer {
  const ids = entry.kind === 'upsert' ? entry.records.map((r) => Buffer.from(r.id, 'utf8')) : entry.ids.map((id) => Buffer.from(id, 'utf8'));
  const vectorBytes = entry.kind === 'upsert' ? dimension * 4 : 0;
  let payloadBytes = 4;
  for (const id of ids) payloadBytes += 2 + id.length + vectorBytes;
  const buf = reuse && reuse.length >= HEADER_BYTES + payloadBytes ? reuse.subarray(0, HEADER_BYTES + payloadBytes) : Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  let o = HEADER_BYTES;
  o = buf.writeUInt32LE(ids.length, o);
  ids.forEach((id, i) => {
    o = buf.writeUInt16LE(id.length, o);
    o += id.copy(buf, o);
    if (entry.kind === 'upsert') {
      const v = entry.records[i]!.unit;
      o += Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(buf, o);
    }
  });
  const payload = buf.subarray(HEADER_BYTES);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt8(entry.kind === 'upsert' ? KIND_UPSERT : KIND_DELETE, 4);
  buf.fill(0, 5, 8);
  buf.writeUInt32LE(payloadBytes, 8);
  buf.writeUInt32LE(crc32(payload), 12);
  return buf;
}

function decodePayload(kind: number, payload: Buffer, dimension: number): LogEntry | undefined {
  const vectorBytes = kind === KIND_UPSERT ? dimension * 4 : 0;
  let o = 0;
  const n = payload.readUInt32LE(o);
  o += 4;
  const ids: string[] = [];
  const units: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    if (o + 2 > payload.length) return undefined;
    const len = payload.readUInt16LE(o);
    o += 2;
    if (o + len + vectorBytes > payload.length) return undefined;
    ids.push(payload.toString('utf8', o, o + len));
    o += len;
    if (vectorBytes) {
      const unit = new Float32Array(dimension);
      new Uint8Array(unit.buffer).set(payload.subarray(o, o + vectorBytes));
      units.push(unit);
      o += vectorBytes;
    }
  }
  if (o !== payload.length) return undefined;
  return kind === KIND_UPSERT ? { kind: 'upsert', records: ids.map((id, i) => ({ id, unit: units[i]! })) } : { kind: 'delete', ids };
}

export class VectorLog {
  readonly file: string;
  readonly #dimension: number;
  #fd: number;
  #bytes: number;
  /** The largest record written so far, kept for the next one. */
  #encoded?: Buffer;
  /** Bytes known to be on disk, and the sync in flight. */
  #synced: number;
  #syncing?: Promise<void>;

  private constructor(file: string, dimension: number, fd: number, bytes: number) {
    this.file = file;
    this.#dimension = dimension;
    this.#fd = fd;
    this.#bytes = bytes;
    this.#synced = bytes;
  }

  /** Creates the file when missing. Call `replay` before appending to an existing log. */
  static open(file: string, dimension: number): VectorLog {
    const fd = openSync(file, 'a+', PRIVATE_FILE_MODE);
    return new VectorLog(file, dimension, fd, fstatSync(fd).size);
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Yields the intact entries in order, then truncates whatever follows the last one (a torn write). */
  *replay(): Generator<LoggedEntry> {
    const size = fstatSync(this.#fd).size;
    const header = Buffer.alloc(HEADER_BYTES);
    let pos = 0;
    for (;;) {
      if (pos + HEADER_BYTES > size) break;
      readFully(this.#fd, header, pos);
      const length = header.readUInt32LE(8);
      if (header.readUInt32LE(0) !== MAGIC || pos + HEADER_BYTES + length > size || length < 4) break;
      const kind = header.readUInt8(4);
      if (kind !== KIND_UPSERT && kind !== KIND_DELETE) break;
      const payload = Buffer.allocUnsafe(length);
      readFully(this.#fd, payload, pos + HEADER_BYTES);
      if (crc32(payload) !== header.readUInt32LE(12)) break;
      const entry = decodePayload(kind, payload, this.#dimension);
      if (!entry) break;
      const start = pos;
      pos += HEADER_BYTES + length;
      yield { entry, start, end: pos };
    }
    if (pos < size) {
      ftruncateSync(this.#fd, pos);
      fdatasyncSync(this.#fd);
    }
    this.#bytes = pos;
  }

  /** Writes one entry (not yet synced: call `sync`); on failure the file is cut back so no partial record stays. */
  append(entry: LogEntry): void {
    const buf = encodeEntry(entry, this.#dimension, this.#encoded);
    if (!this.#encoded || buf.buffer !== this.#encoded.buffer) this.#encoded = buf;
    const start = this.#bytes;
    try {
      let done = 0;
      while (done < buf.length) done += writeSync(this.#fd, buf, done, buf.length - done);
    } catch (e) {
      try {
        ftruncateSync(this.#fd, start);
      } catch {
        // The torn tail is cut off at the next open anyway.
      }
      throw e;
    }
    this.#bytes = start + buf.length;
  }

  /** Resolves once everything appended so far is on disk; concurrent callers share one fdatasync. */
  async sync(): Promise<void> {
    const target = this.#bytes;
    while (this.#synced < target && this.#fd >= 0) {
      if (this.#syncing) {
        await this.#syncing;
        continue;
      }
      const upTo = this.#bytes;
      const fd = this.#fd;
      // A close meanwhile synced everything itself (an EBADF then is not a lost write).
      this.#syncing = new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e && this.#fd >= 0 ? reject(e) : resolve())))
        .then(() => {
          this.#synced = Math.max(this.#synced, upTo);
        })
        .finally(() => {
          this.#syncing = undefined;
        });
      await this.#syncing;
    }
  }

  close(): void {
    if (this.#fd < 0) return;
    if (this.#synced < this.#bytes) fdatasyncSync(this.#fd);
    this.#synced = this.#bytes;
    closeSync(this.#fd);
    this.#fd = -1;
  }
}

function readFully(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('unexpected end of vector log');
    done += n;
  }
}
