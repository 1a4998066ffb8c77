// VectorStore adapter: the embedded index on local disk (the laptop default; DESIGN.md §1, §5).
// Each index lives in memory as one contiguous matrix of unit vectors (cosine = dot) and on disk as a
// snapshot plus an append-only log (vector-index-files.ts, vector-log.ts). Search is exact by default
// (usearch's SIMD exactSearch straight over the matrix); with `approximate`, large indexes search an HNSW
// graph instead. Either way candidates are re-scored exactly and ties go to the smaller id.
//
// One LocalVectorStore per directory: two stores (or processes) writing the same index would interleave
// their logs. Calls run synchronously inside their promise, so each one is atomic within the process.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { conflict, invalid, notFound } from '../../domain/errors.js';
import type { VectorHit, VectorIndexInfo, VectorRecord, VectorSearchOptions, VectorStore } from '../../ports/vector-store.js';
import { candidateMargin, rankExact, rankListedRows, sortRanked, type RankedRow, type RowScorer } from './exact-ranking.js';
import { makePrivateDir } from '../private-files.js';
import { HnswGraph } from './hnsw-graph.js';
import {
  FORMAT_VERSION,
  findHnswFile,
  idsFile,
  logFile,
  metaFile,
  readMeta,
  readSnapshot,
  removeStrays,
  syncPath,
  vectorsFile,
  writeHnswFile,
  writeMeta,
  writeSnapshot,
  type IndexMeta,
  type SavedGraph,
} from './vector-index-files.js';
import { MAX_ID_BYTES, VectorLog, type LogEntry } from './vector-log.js';
import { unitVector, VectorMatrix } from './vector-matrix.js';

export interface LocalVectorStoreOptions {
  /** Root folder; index `x` lives in `<dir>/x/`. */
  dir: string;
  /** Search an HNSW graph (re-scored exactly) once an index holds at least `minCount` vectors. */
  approximate?: { minCount: number };
  /** Log size that triggers a new snapshot; default: the larger of 64 MiB and half the vectors' bytes. */
  compactAfterBytes?: number;
}

const NAME = /^[a-z0-9_-]{1,64}$/;
const MAX_DIMENSION = 65_536;
const MIN_COMPACT_BYTES = 64 * 1024 * 1024;
/** A filter passing at most this share of the index is searched by gathering its rows... */
const GATHER_MAX_SHARE = 0.25;
/** ...if they fit in this scratch buffer; larger filters widen an unfiltered search instead. */
const GATHER_MAX_BYTES = 256 * 1024 * 1024;
/** Up to this many rows are scored one by one, without a usearch call. */
const DIRECT_MAX_ROWS = 64;

interface OpenIndex {
  dir: string;
  meta: IndexMeta;
  matrix: VectorMatrix;
  log: VectorLog;
  hnsw?: HnswGraph;
  /** The graph changed since it was last saved. */
  hnswDirty: boolean;
  /** Reused buffer for gathering filtered rows (usearch needs them contiguous, from offset 0). */
  scratch?: Float32Array;
  /** After a failed compaction, the next attempt waits until the log has grown past this. */
  compactionBackoffBytes: number;
}

export class LocalVectorStore implements VectorStore {
  readonly #root: string;
  readonly #approximateMinCount: number | undefined;
  readonly #compactAfterBytes: number | undefined;
  readonly #open = new Map<string, OpenIndex>();

  constructor(options: LocalVectorStoreOptions) {
    this.#root = path.resolve(options.dir);
    const minCount = options.approximate?.minCount;
    if (minCount !== undefined && !(Number.isInteger(minCount) && minCount >= 1)) throw invalid('approximate.minCount must be a positive integer');
    this.#approximateMinCount = minCount;
    const compactAfter = options.compactAfterBytes;
    if (compactAfter !== undefined && !(Number.isInteger(compactAfter) && compactAfter >= 1)) throw invalid('compactAfterBytes must be a positive integer');
    this.#compactAfterBytes = compactAfter;
  }

  async ensureIndex(name: string, spec: { dimension: number; embedderId: string }): Promise<VectorIndexInfo> {
    checkName(name);
    if (!Number.isInteger(spec.dimension) || spec.dimension < 1 || spec.dimension > MAX_DIMENSION) {
      throw invalid(`dimension must be an integer from 1 to ${MAX_DIMENSION}, got ${spec.dimension}`);
    }
    if (typeof spec.embedderId !== 'string' || spec.embedderId.length === 0) throw invalid('embedderId must be a non-empty string');
    const existing = this.#load(name);
    if (existing) {
      const { meta } = existing;
      if (meta.dimension !== spec.dimension || meta.embedderId !== spec.embedderId) {
        throw conflict(
          `index '${name}' holds vectors of ${meta.embedderId} (${meta.dimension} dims); ` +
            `this request embeds with ${spec.embedderId} (${spec.dimension} dims)`,
        );
      }
      return info(existing);
    }
    this.#create(name, spec);
    return info(this.#load(name)!);
  }

  async getIndex(name: string): Promise<VectorIndexInfo | undefined> {
    checkName(name);
    const index = this.#load(name);
    return index && info(index);
  }

  async upsert(name: string, records: VectorRecord[]): Promise<void> {
    const index = this.#require(name);
    const { dimension } = index.meta;
    const units = new Map<string, Float32Array>();
    for (const record of records) {
      checkId(record.id);
      const unit = unitOf(record.vector, dimension, name, `vector of '${record.id}'`);
      units.delete(record.id); // the last one wins, in its own position
      units.set(record.id, unit);
    }
    if (units.size === 0) return;
    await this.#commit(index, { kind: 'upsert', records: Array.from(units, ([id, unit]) => ({ id, unit })) });
  }

  async delete(name: string, ids: string[]): Promise<void> {
    const index = this.#require(name);
    for (const id of ids) checkId(id);
    const present = [...new Set(ids)].filter((id) => index.matrix.rowOf(id) !== undefined);
    if (present.length > 0) await this.#commit(index, { kind: 'delete', ids: present });
  }

  async search(name: string, query: Float32Array, opts: VectorSearchOptions): Promise<VectorHit[]> {
    const index = this.#require(name);
    const { topK, filterIds } = opts;
    if (!Number.isInteger(topK) || topK < 1) throw invalid(`topK must be a positive integer, got ${topK}`, 'TopK');
    const unit = unitOf(query, index.meta.dimension, name, 'query vector');
    const { matrix } = index;
    if (matrix.count === 0 || filterIds?.size === 0) return [];
    const scorer: RowScorer = { score: (row) => matrix.dot(row, unit), idOf: (row) => matrix.idAt(row) };
    const ranked = filterIds ? this.#rankFiltered(index, unit, topK, filterIds, scorer) : this.#rankAll(index, unit, topK, scorer);
    return ranked.map(({ row, score }) => ({ id: matrix.idAt(row), score: Math.max(-1, Math.min(1, score)) }));
  }

  async dropIndex(name: string): Promise<void> {
    checkName(name);
    this.#open.get(name)?.log.close();
    this.#open.delete(name);
    const dir = path.join(this.#root, name);
    if (!existsSync(dir)) return;
    // Renamed first so that a crash mid-removal never leaves a half index under the real name.
    const doomed = path.join(this.#root, `.dropped-${name}-${randomBytes(4).toString('hex')}`);
    renameSync(dir, doomed);
    rmSync(doomed, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    const indexes = [...this.#open.values()];
    this.#open.clear();
    for (const index of indexes) {
      try {
        // Saved so that reopening a large index need not rebuild its graph; it is derived data, so a
        // failure here loses nothing.
        if (index.hnsw && index.hnswDirty) this.#saveHnsw(index);
      } catch {
        // The graph is rebuilt from the vectors at the next open.
      } finally {
        index.log.close();
      }
    }
  }

  #rankAll(index: OpenIndex, unit: Float32Array, topK: number, scorer: RowScorer): RankedRow[] {
    const approximate = this.#rankApproximate(index, unit, topK, scorer);
    if (approximate) return approximate;
    const { matrix } = index;
    return rankExact({ ...scorer, block: matrix.live(), rows: matrix.count, dimension: matrix.dimension, query: unit, topK });
  }

  #rankFiltered(index: OpenIndex, unit: Float32Array, topK: number, allowed: ReadonlySet<string>, scorer: RowScorer): RankedRow[] {
    const { matrix } = index;
    const dim = matrix.dimension;
    if (allowed.size <= matrix.count * GATHER_MAX_SHARE && allowed.size * dim * 4 <= GATHER_MAX_BYTES) {
      const rows: number[] = [];
      for (const id of allowed) {
        const row = matrix.rowOf(id);
        if (row !== undefined) rows.push(row);
      }
      if (rows.length <= DIRECT_MAX_ROWS) return rankListedRows(rows, topK, scorer);
      rows.sort((a, b) => a - b); // sequential reads while gathering
      if (!index.scratch || index.scratch.length < rows.length * dim) index.scratch = new Float32Array(rows.length * dim);
      const block = index.scratch.subarray(0, rows.length * dim);
      const data = matrix.data;
      rows.forEach((row, i) => block.set(data.subarray(row * dim, (row + 1) * dim), i * dim));
      const gathered = rankExact({
        block,
        rows: rows.length,
        dimension: dim,
        query: unit,
        topK,
        score: (i) => scorer.score(rows[i]!),
        idOf: (i) => scorer.idOf(rows[i]!),
      });
      return gathered.map(({ row, score }) => ({ row: rows[row]!, score }));
    }
    const accept = (row: number) => allowed.has(matrix.idAt(row));
    // Expect about topK / share fetched rows to pass; ask for twice that.
    const initialK = Math.ceil((topK * matrix.count * 2) / allowed.size) + candidateMargin(topK);
    const approximate = this.#rankApproximate(index, unit, topK, scorer, accept, initialK);
    if (approximate) return approximate;
    return rankExact({ ...scorer, block: matrix.live(), rows: matrix.count, dimension: dim, query: unit, topK, accept, initialK });
  }

  /** HNSW candidates re-scored exactly; undefined when the graph is off or cannot supply topK rows cheaply. */
  #rankApproximate(
    index: OpenIndex,
    unit: Float32Array,
    topK: number,
    scorer: RowScorer,
    accept?: (row: number) => boolean,
    initialK = topK + candidateMargin(topK),
  ): RankedRow[] | undefined {
    const { hnsw, matrix } = index;
    if (!hnsw || this.#approximateMinCount === undefined || matrix.count < this.#approximateMinCount) return undefined;
    const wanted = Math.min(topK, matrix.count);
    for (let k = initialK; k <= matrix.count / 2; k *= 4) {
      const rows = hnsw.search(unit, k);
      const ranked: RankedRow[] = [];
      for (const row of rows) if (!accept || accept(row)) ranked.push({ row, score: scorer.score(row) });
      if (ranked.length >= wanted) return sortRanked(ranked, scorer).slice(0, topK);
      if (rows.length < k) return undefined; // the graph has nothing more to offer
    }
    return undefined; // a scan is as cheap by now, and exact
  }

  /**
   * Logs a change, applies it, keeps the graph and the snapshot up to date, and returns once the change
   * is durable (a compaction that ran meanwhile made it durable in the new snapshot).
   */
  async #commit(index: OpenIndex, entry: LogEntry): Promise<void> {
    const log = index.log;
    log.append(entry);
    applyEntry(index, entry);
    this.#maintainHnsw(index);
    this.#maybeCompact(index);
    await log.sync();
  }

  #maintainHnsw(index: OpenIndex): void {
    const minCount = this.#approximateMinCount;
    if (minCount === undefined) return;
    const count = index.matrix.count;
    if (!index.hnsw && count >= minCount) {
      index.hnsw = HnswGraph.build(index.matrix);
      index.hnswDirty = true;
    } else if (index.hnsw && count < minCount / 2) {
      // Small again: exact search is fast, and keeping the graph would cost memory and upkeep.
      index.hnsw = undefined;
      index.hnswDirty = false;
    }
  }

  #maybeCompact(index: OpenIndex): void {
    const live = index.matrix.count * index.matrix.dimension * 4;
    const threshold = Math.max(this.#compactAfterBytes ?? Math.max(MIN_COMPACT_BYTES, live / 2), index.compactionBackoffBytes);
    if (index.log.bytes < threshold) return;
    try {
      this.#compact(index);
    } catch {
      // The change itself is durable in the log; snapshotting is retried once the log has doubled.
      index.compactionBackoffBytes = index.log.bytes * 2;
      removeStrays(index.dir, keptFiles(index));
    }
  }

  /** Writes a new generation (snapshot, graph, empty log) and switches meta.json to it. */
  #compact(index: OpenIndex): void {
    const { dir, matrix } = index;
    const generation = index.meta.generation + 1;
    writeSnapshot(dir, generation, matrix);
    if (index.hnsw) writeHnswFile(dir, generation, 0, (tmp) => index.hnsw!.save(tmp));
    const log = VectorLog.open(logFile(dir, generation), matrix.dimension);
    const meta: IndexMeta = { ...index.meta, generation, count: matrix.count };
    try {
      writeMeta(dir, meta);
    } catch (e) {
      // Renamed but not synced counts as done: meta.json on disk is what the next open believes.
      if (readMetaOrUndefined(dir)?.generation !== generation) {
        log.close();
        throw e;
      }
    }
    index.log.close();
    index.log = log;
    index.meta = meta;
    index.hnswDirty = false;
    index.compactionBackoffBytes = 0;
    removeStrays(dir, keptFiles(index));
  }

  #saveHnsw(index: OpenIndex): void {
    const { dir, meta, log } = index;
    const previous = findHnswFile(dir, meta.generation);
    const saved = writeHnswFile(dir, meta.generation, log.bytes, (tmp) => index.hnsw!.save(tmp));
    if (previous && previous.file !== saved.file) rmSync(previous.file, { force: true });
    index.hnswDirty = false;
  }

  #create(name: string, spec: { dimension: number; embedderId: string }): void {
    const dir = path.join(this.#root, name);
    // A folder without meta.json is an index whose creation crashed: nothing in it was ever committed.
    rmSync(dir, { recursive: true, force: true });
    makePrivateDir(dir);
    const meta: IndexMeta = {
      format: FORMAT_VERSION,
      name,
      dimension: spec.dimension,
      embedderId: spec.embedderId,
      count: 0,
      generation: 0,
      createdAt: new Date().toISOString(),
    };
    writeSnapshot(dir, 0, new VectorMatrix(spec.dimension, 1));
    VectorLog.open(logFile(dir, 0), spec.dimension).close();
    writeMeta(dir, meta);
    syncPath(this.#root);
  }

  #require(name: string): OpenIndex {
    checkName(name);
    const index = this.#load(name);
    if (!index) throw notFound('vector index', name);
    return index;
  }

  /** The open index, opening it from disk when it exists: snapshot, then the log replayed on top. */
  #load(name: string): OpenIndex | undefined {
    const cached = this.#open.get(name);
    if (cached) return cached;
    const dir = path.join(this.#root, name);
    if (!existsSync(metaFile(dir))) return undefined;
    const meta = readMeta(dir)!;
    const log = VectorLog.open(logFile(dir, meta.generation), meta.dimension);
    let index: OpenIndex;
    let saved: SavedGraph | undefined;
    try {
      // First touches of fresh memory are slow on some machines: size the matrix once for snapshot + log.
      const matrix = readSnapshot(dir, meta, Math.ceil(log.bytes / (meta.dimension * 4)));
      const opened: OpenIndex = { dir, meta, matrix, log, hnswDirty: false, compactionBackoffBytes: 0 };
      index = opened;
      // A saved graph holds the state at some log offset: it is loaded there, and the rest replayed into it.
      saved = this.#approximateMinCount === undefined ? undefined : findHnswFile(dir, meta.generation);
      const loadGraphAt = (offset: number) => {
        if (saved && !opened.hnsw && saved.offset === offset) opened.hnsw = HnswGraph.load(saved, meta.dimension, matrix.count);
      };
      for (const { entry, start } of log.replay()) {
        loadGraphAt(start);
        applyEntry(opened, entry);
      }
      loadGraphAt(log.bytes);
    } catch (e) {
      log.close();
      throw e;
    }
    removeStrays(dir, keptFiles(index, saved?.file));
    this.#maintainHnsw(index);
    this.#open.set(name, index);
    return index;
  }
}

function applyEntry(index: OpenIndex, entry: LogEntry): void {
  const { matrix, hnsw } = index;
  if (entry.kind === 'upsert') {
    const rows = entry.records.map(({ id, unit }) => matrix.put(id, unit));
    hnsw?.put(
      rows,
      entry.records.map((r) => r.unit),
    );
  } else {
    for (const id of entry.ids) {
      const removal = matrix.remove(id);
      if (removal) hnsw?.remove(removal, matrix);
    }
  }
  if (hnsw) index.hnswDirty = true;
}

/** The files of the index's current generation (and its saved graph, when that is still usable). */
function keptFiles(index: OpenIndex, hnswPath?: string): Set<string> {
  const { dir, meta } = index;
  const keep = [metaFile(dir), vectorsFile(dir, meta.generation), idsFile(dir, meta.generation), logFile(dir, meta.generation)];
  const graph = hnswPath ?? findHnswFile(dir, meta.generation)?.file;
  if (graph && index.hnsw) keep.push(graph);
  return new Set(keep.map((f) => path.basename(f)));
}

function readMetaOrUndefined(dir: string): IndexMeta | undefined {
  try {
    return readMeta(dir);
  } catch {
    return undefined;
  }
}

function info(index: OpenIndex): VectorIndexInfo {
  return { name: index.meta.name, dimension: index.meta.dimension, embedderId: index.meta.embedderId, count: index.matrix.count };
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw invalid(`vector index name must match [a-z0-9_-]{1,64}, got '${String(name)}'`);
}

function checkId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) {
    throw invalid(`vector ids must be non-empty strings of at most ${MAX_ID_BYTES} bytes`);
  }
}

function unitOf(vector: Float32Array, dimension: number, index: string, what: string): Float32Array {
  if (!(vector instanceof Float32Array)) throw invalid(`${what} must be a Float32Array`);
  if (vector.length !== dimension) throw invalid(`${what} has ${vector.length} dimensions; index '${index}' holds ${dimension}`);
  const unit = unitVector(vector);
  if (!unit) throw invalid(`${what} is zero or not finite: it has no direction`);
  return unit;
}
