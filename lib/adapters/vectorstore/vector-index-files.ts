// On-disk layout of one local vector index (`<dir>/<index>/`) and its atomic writes.
//   meta.json                   name, dimension, embedderId, count, format, generation: the commit point
//   vectors-<gen>.f32           snapshot: count × dimension little-endian float32, unit length, row order
//   ids-<gen>.json              snapshot: the id of each row
//   log-<gen>.bin               changes since that snapshot (vector-log.ts)
//   hnsw-<gen>-<offset>-<crc>.usearch  optional usearch HNSW graph of the state at that log offset
//                               (derived data; the CRC-32 in its name is checked before usearch reads it,
//                               because usearch crashes the process on a damaged file)
// Every file but the log is written to `<file>.tmp`, synced and renamed; meta.json is renamed last, so a
// crash leaves either the old generation or the new one, plus strays that the next open removes.
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { PRIVATE_FILE_MODE } from '../private-files.js';
import { VectorMatrix } from './vector-matrix.js';

export const FORMAT_VERSION = 1;
const CHUNK_BYTES = 64 * 1024 * 1024;

export interface IndexMeta {
  format: number;
  name: string;
  dimension: number;
  embedderId: string;
  /** Rows in the snapshot of `generation` (the log may have changed it since). */
  count: number;
  generation: number;
  createdAt: string;
}

export const metaFile = (dir: string) => path.join(dir, 'meta.json');
export const vectorsFile = (dir: string, gen: number) => path.join(dir, `vectors-${gen}.f32`);
export const idsFile = (dir: string, gen: number) => path.join(dir, `ids-${gen}.json`);
export const logFile = (dir: string, gen: number) => path.join(dir, `log-${gen}.bin`);

export interface SavedGraph {
  file: string;
  /** The log offset whose state the graph holds. */
  offset: number;
  crc: number;
}

/** The saved HNSW graph of generation `gen`, if any. */
export function findHnswFile(dir: string, gen: number): SavedGraph | undefined {
  for (const name of readdirSync(dir)) {
    const m = /^hnsw-(\d+)-(\d+)-([0-9a-f]{8})\.usearch$/.exec(name);
    if (m && Number(m[1]) === gen) return { file: path.join(dir, name), offset: Number(m[2]), crc: parseInt(m[3]!, 16) };
  }
  return undefined;
}

/** Saves a graph through a temp file, then names it after its generation, log offset and checksum. */
export function writeHnswFile(dir: string, gen: number, offset: number, save: (tmp: string) => void): SavedGraph {
  const tmp = path.join(dir, `hnsw-${gen}-${offset}.usearch.tmp`);
  save(tmp);
  syncPath(tmp);
  const crc = fileCrc32(tmp);
  const file = path.join(dir, `hnsw-${gen}-${offset}-${crc.toString(16).padStart(8, '0')}.usearch`);
  renameSync(tmp, file);
  syncPath(dir);
  return { file, offset, crc };
}

export function fileCrc32(file: string): number {
  const fd = openSync(file, 'r');
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, statSync(file).size)));
  let crc = 0;
  try {
    for (let position = 0; ; ) {
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n === 0) return crc;
      crc = crc32(chunk.subarray(0, n), crc);
      position += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** fsync of a file, or of a folder (which makes the renames and creations in it durable). */
export function syncPath(fileOrDir: string): void {
  const fd = openSync(fileOrDir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `file` through `<file>.tmp` + fsync + rename, so readers see the old content or the whole new one. */
export function writeFileAtomic(file: string, write: (tmp: string) => void): void {
  const tmp = `${file}.tmp`;
  write(tmp);
  chmodSync(tmp, PRIVATE_FILE_MODE); // whoever wrote it (usearch included), the file is private
  syncPath(tmp);
  renameSync(tmp, file);
  syncPath(path.dirname(file));
}

/**
 * Writes `bytes` through views of at most CHUNK_BYTES: Node 20 refuses a Uint8Array over 4 GiB, and a
 * million 1536-d vectors are 6 GB.
 */
function writeBytes(tmp: string, bytes: ArrayBufferView): void {
  const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    for (let o = 0; o < bytes.byteLength; ) {
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset + o, Math.min(CHUNK_BYTES, bytes.byteLength - o));
      for (let w = 0; w < view.length; ) w += writeSync(fd, view, w, view.length - w);
      o += view.length;
    }
  } finally {
    closeSync(fd);
  }
}

export function readMeta(dir: string): IndexMeta | undefined {
  const file = metaFile(dir);
  if (!existsSync(file)) return undefined;
  const meta = JSON.parse(readFileSync(file, 'utf8')) as IndexMeta;
  if (meta.format !== FORMAT_VERSION) throw new Error(`vector index at ${dir} has format ${meta.format}; this build reads ${FORMAT_VERSION}`);
  return meta;
}

export function writeMeta(dir: string, meta: IndexMeta): void {
  writeFileAtomic(metaFile(dir), (tmp) => writeBytes(tmp, Buffer.from(JSON.stringify(meta, null, 2) + '\n')));
}

export function writeSnapshot(dir: string, gen: number, matrix: VectorMatrix): void {
  const live = matrix.live();
  writeFileAtomic(vectorsFile(dir, gen), (tmp) => writeBytes(tmp, live));
  writeFileAtomic(idsFile(dir, gen), (tmp) => writeBytes(tmp, Buffer.from(JSON.stringify(matrix.ids()))));
}

/** `spareRows`: room to reserve beyond the snapshot (rows the log may add), so replay does not regrow it. */
export function readSnapshot(dir: string, meta: IndexMeta, spareRows = 0): VectorMatrix {
  const ids = JSON.parse(readFileSync(idsFile(dir, meta.generation), 'utf8')) as string[];
  const file = vectorsFile(dir, meta.generation);
  const bytes = ids.length * meta.dimension * 4;
  if (ids.length !== meta.count || statSync(file).size !== bytes) {
    throw new Error(`vector index snapshot ${file} does not match meta.json (${meta.count} rows of ${meta.dimension})`);
  }
  const matrix = new VectorMatrix(meta.dimension, Math.max(ids.length + spareRows, 1));
  matrix.appendRows(ids);
  const fd = openSync(file, 'r');
  try {
    // through views of at most CHUNK_BYTES (Node 20 refuses a Uint8Array over 4 GiB)
    for (let o = 0; o < bytes; ) {
      const n = readSync(fd, new Uint8Array(matrix.data.buffer, o, Math.min(CHUNK_BYTES, bytes - o)), 0, Math.min(CHUNK_BYTES, bytes - o), o);
      if (n === 0) throw new Error(`unexpected end of ${file}`);
      o += n;
    }
  } finally {
    closeSync(fd);
  }
  return matrix;
}

/** Removes what a crash or an older generation left behind: every file not in `keep`. */
export function removeStrays(dir: string, keep: ReadonlySet<string>): void {
  for (const name of readdirSync(dir)) {
    if (!keep.has(name)) rmSync(path.join(dir, name), { force: true, recursive: true });
  }
}
