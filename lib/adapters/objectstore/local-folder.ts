// ObjectStore adapter: a local folder served as `file:///abs/path/...` URIs (the embedded default).
import { randomBytes } from 'node:crypto';
import {
  close as fsClose,
  constants as fsConstants,
  createReadStream,
  fstat as fsFstat,
  open as fsOpen,
  read as fsRead,
  readlink as fsReadlink,
  realpath as fsRealpath,
  stat as statCallback,
  type BigIntStats,
  type Dirent,
} from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DomainError, conflict, invalid, notFound } from '../../domain/errors.js';
import { localFileEtag } from '../../domain/local-etag.js';
import type { ObjectInfo, ObjectPage, ObjectStore, ReadOptions } from '../../ports/object-store.js';
import { FileConfinement, isInside, type FileConfinementOptions } from './file-confinement.js';

const MAX_KEYS = 1000;
/** Temp files of in-flight atomic writes start with this (a hidden name: listings never show them). */
const TEMP_MARK = '.loupe-tmp-';
/**
 * Reads open the real path without following a final symlink (a file swapped for a link after its
 * path was checked fails instead of being followed), and without blocking on a FIFO or a device.
 */
const READ_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;
/** Linux names the file behind an open descriptor here: the path actually opened, after every race. */
const FD_PATHS = process.platform === 'linux' ? '/proc/self/fd/' : undefined;
/** Directory listings kept sorted in memory, bounded by their total number of entries. */
const CACHE_MAX_ENTRIES = 500_000;
/**
 * A listing read less than this after its folder's mtime may miss a change made within the same
 * timestamp tick (coarse on most filesystems, 2 s on FAT), so it is not reused (as in "racy git").
 */
const RACY_MS = 2_000;
const STAT_CONCURRENCY = 64;

interface DirEntry {
  name: string;
  /** `name` for files, `name + '/'` for folders: sorting by it sorts the keys beneath. */
  sortKey: string;
  isDir: boolean;
  /** For symlinks: the real path of the target, checked against the listed prefix at walk time. */
  target?: string;
}

interface CachedDir {
  mtimeNs: bigint;
  entries: DirEntry[];
  /** Read so soon after the folder changed that a later change may not show in its mtime. */
  racy: boolean;
}

/**
 * Lexicographic order of code points, which is also the byte order of UTF-8 (OSS's key order).
 * Plain `<` on JS strings compares UTF-16 units and misplaces astral characters after U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x <= 0xdfff;
      const ys = y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x - y;
  }
  return a.length - b.length;
}

const SURROGATE = /[\uD800-\uDFFF]/;

const forbidden = (message: string) => new DomainError('Forbidden', message);

const errCode = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;

/**
 * A folder as an object store. Keys are paths relative to the listed prefix, `/`-separated.
 *
 * ETag: `W/"<size hex>-<mtime ns hex>"`, a weak tag (no content hash, so listing stays cheap).
 * `write` makes sure a rewrite moves mtime forward, so the tag changes even when the size does not;
 * files rewritten in place by other programs within one filesystem timestamp tick may keep their tag.
 *
 * Confinement (file-confinement.ts): every URI is judged as given before anything on disk is looked
 * at, then again on its real path; reads open that real path without following a final symlink and,
 * on Linux, judge the path of the descriptor they got; listings skip what the rule refuses.
 */
export class LocalFolderObjectStore implements ObjectStore {
  readonly scheme = 'file';
  private readonly confinement: FileConfinement;
  private readonly dirCache = new Map<string, CachedDir>();
  private cachedEntries = 0;

  constructor(confinement: FileConfinementOptions) {
    this.confinement = new FileConfinement(confinement);
  }

  async checkPrefix(prefixUri: string): Promise<void> {
    const prefix = this.confined(prefixUri);
    try {
      const real = await realpath(prefix);
      this.confinement.checkResolved(real, prefixUri);
      if (!(await stat(real)).isDirectory()) throw notFound('folder', prefixUri);
    } catch (e) {
      throw (await this.unresolved(prefix, prefixUri, e)) ?? notFound('folder', prefixUri);
    }
  }

  async list(prefixUri: string, opts: { cursor?: string; maxKeys?: number } = {}): Promise<ObjectPage> {
    const maxKeys = opts.maxKeys ?? MAX_KEYS;
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw invalid(`maxKeys must be a positive integer, got ${maxKeys}`, 'maxKeys');
    const pageSize = Math.min(maxKeys, MAX_KEYS);
    const prefix = this.confined(prefixUri);

    let prefixReal: string;
    try {
      prefixReal = await realpath(prefix);
      this.confinement.checkResolved(prefixReal, prefixUri);
      if (!(await stat(prefixReal)).isDirectory()) return { objects: [] };
    } catch (e) {
      // An absent prefix lists nothing, unless it leads out of bounds: then Forbidden, as if it existed.
      const refusal = await this.unresolved(prefix, prefixUri, e);
      if (refusal) throw refusal;
      return { objects: [] };
    }

    // One more than a page, to know whether this page is the last.
    const walker = await this.walkFrom(prefix, prefixReal, opts.cursor);
    const found: { key: string; info: ObjectInfo }[] = [];
    for (;;) {
      const batch = await walker.take(pageSize + 1 - found.length);
      if (batch.length === 0) break;
      // A batch is at most a page: stat it all at once, the thread pool queues the calls.
      const infos = await Promise.all(
        batch.map(async ({ key, file }) => {
          try {
            const st = await statBigInt(file);
            return st.isFile() ? { key, info: toObjectInfo(pathToFileURL(file).href, st) } : undefined;
          } catch (e) {
            if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return undefined; // gone meanwhile
            throw e;
          }
        }),
      );
      for (const i of infos) if (i) found.push(i);
      if (found.length > pageSize) break;
    }

    if (found.length <= pageSize) return { objects: found.map((f) => f.info) };
    const page = found.slice(0, pageSize);
    return { objects: page.map((f) => f.info), nextCursor: page[page.length - 1]!.key };
  }

  async head(uri: string): Promise<ObjectInfo> {
    const { file, real } = await this.resolveObject(uri);
    let st: BigIntStats;
    try {
      // lstat: a final component swapped for a symlink since realpath is not followed.
      st = await lstat(real, { bigint: true });
    } catch (e) {
      if (isAbsence(e)) throw notFound('object', uri);
      throw e;
    }
    if (!st.isFile()) throw notFound('object', uri);
    return toObjectInfo(pathToFileURL(file).href, st);
  }

  async get(uri: string, opts: { maxBytes?: number } & ReadOptions = {}): Promise<{ info: ObjectInfo; data?: Buffer }> {
    const { fd, st, file } = await this.openObject(uri, opts.ifMatch);
    const info = toObjectInfo(pathToFileURL(file).href, st);
    if (opts.maxBytes !== undefined && info.size > opts.maxBytes) {
      await closeFd(fd);
      return { info };
    }
    return { info, data: await readAndClose(fd, info.size) };
  }

  async readHead(uri: string, bytes: number, opts: ReadOptions = {}): Promise<{ info: ObjectInfo; data: Buffer }> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) throw invalid(`invalid head length ${bytes}`, 'bytes');
    const { fd, st, file } = await this.openObject(uri, opts.ifMatch);
    const info = toObjectInfo(pathToFileURL(file).href, st);
    return { info, data: await readAndClose(fd, info.size, { start: 0, end: bytes }) };
  }

  async read(uri: string, range?: { start: number; end: number }, opts: ReadOptions = {}): Promise<Buffer> {
    if (range) {
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw invalid(`invalid range [${start}, ${end})`, 'range');
      }
    }
    const { fd, st } = await this.openObject(uri, opts.ifMatch);
    return readAndClose(fd, Number(st.size), range);
  }

  async openReadStream(uri: string, opts: ReadOptions = {}): Promise<Readable> {
    const { fd } = await this.openObject(uri, opts.ifMatch);
    return createReadStream('', { fd, autoClose: true });
  }

  async copy(fromUri: string, toUri: string, opts: ReadOptions = {}): Promise<void> {
    await this.write(toUri, await this.openReadStream(fromUri, opts));
  }

  async canonicalFolder(uri: string): Promise<string> {
    // Not judged by the confinement: it reads nothing, and a dataset registered outside today's roots
    // must still compare (an export must not write into it through a link either).
    const href = pathToFileURL(await realPathAsFarAsItExists(this.toPath(uri))).href;
    return href.endsWith('/') ? href : `${href}/`;
  }

  async write(uri: string, data: Buffer | string | AsyncIterable<Uint8Array | string>): Promise<void> {
    const file = this.confined(uri);
    if (uri.endsWith('/')) throw invalid(`an object URI cannot end with '/': ${uri}`, 'uri');
    const name = path.basename(file);
    const dir = path.dirname(file);
    this.confinement.checkResolved(await realPathAsFarAsItExists(file), uri);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      if (errCode(e) === 'EEXIST' || errCode(e) === 'ENOTDIR') throw invalid(`a parent of '${uri}' is a file`, 'uri');
      throw unusablePath(e, uri) ?? e;
    }
    // Again now that the folder exists (a symlink may have been swapped in meanwhile); the temp file
    // and the rename then work in that real folder.
    const dirReal = await realpath(dir);
    this.confinement.checkResolved(path.join(dirReal, name), uri);
    const temp = path.join(dirReal, `${TEMP_MARK}${randomBytes(6).toString('hex')}-${name.slice(0, 64)}`);
    try {
      const handle = await open(temp, 'wx');
      try {
        const opened = await openedPath(handle.fd);
        if (opened !== undefined) this.confinement.checkResolved(path.join(path.dirname(opened), name), uri);
        if (typeof data === 'string' || Buffer.isBuffer(data)) await handle.writeFile(data);
        else for await (const chunk of data) await (typeof chunk === 'string' ? handle.write(chunk) : handle.write(chunk));
      } finally {
        await handle.close();
      }
      await ensureMtimeAdvances(temp, path.join(dirReal, name));
      await rename(temp, path.join(dirReal, name));
    } catch (e) {
      await rm(temp, { force: true });
      if (errCode(e) === 'EISDIR') throw invalid(`'${uri}' is a folder`, 'uri');
      throw unusablePath(e, uri) ?? e;
    }
  }

  async delete(uri: string): Promise<void> {
    const file = this.confined(uri);
    let parentReal: string;
    try {
      parentReal = await realpath(path.dirname(file));
    } catch (e) {
      // Nothing to delete, unless the path leads out of bounds: then Forbidden, as if it existed.
      const refusal = await this.unresolved(file, uri, e);
      if (refusal) throw refusal;
      return;
    }
    const real = path.join(parentReal, path.basename(file));
    this.confinement.checkResolved(real, uri);
    try {
      const st = await lstat(real);
      if (st.isDirectory()) return; // folders are not objects
      await unlink(real);
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return;
      throw unusablePath(e, uri) ?? e;
    }
  }

  /** URI → absolute path; refuses other schemes, hosts, `..` segments, queries and fragments. */
  private toPath(uri: string): string {
    if (!/^file:/i.test(uri)) throw invalid(`not a file URI: '${uri}'`, 'uri');
    let rest = uri.slice('file:'.length);
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      rest = slash < 0 ? '' : rest.slice(slash);
    }
    // The URL parser silently resolves `..` (also `%2e%2e` and `\`-separated), so look at the raw text.
    for (const segment of rest.split(/[/\\]/)) {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        /* reported below by fileURLToPath */
      }
      if (decoded === '..') throw forbidden(`'..' is not allowed in object URIs: '${uri}'`);
    }
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw invalid(`malformed file URI: '${uri}'`, 'uri');
    }
    if (url.search || url.hash || uri.includes('#') || uri.includes('?')) {
      throw invalid(`file URIs carry no query or fragment; encode '?' as %3F and '#' as %23: '${uri}'`, 'uri');
    }
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch (e) {
      throw invalid(`malformed file URI '${uri}': ${(e as Error).message}`, 'uri');
    }
    if (file.includes('\0')) throw invalid(`file URIs cannot contain NUL: '${uri}'`, 'uri');
    return path.resolve(file);
  }

  /** The path a URI names, judged by the confinement before anything on disk is looked at. */
  private confined(uri: string): string {
    const file = this.toPath(uri);
    this.confinement.check(file, uri);
    return file;
  }

  /** Path (as named) and real path of an object URI, both allowed; NotFound when absent. */
  private async resolveObject(uri: string): Promise<{ file: string; real: string }> {
    const file = this.confined(uri);
    if (uri.endsWith('/')) throw notFound('object', uri);
    let real: string;
    try {
      real = await realpathOf(file);
    } catch (e) {
      throw (await this.unresolved(file, uri, e)) ?? notFound('object', uri);
    }
    this.confinement.checkResolved(real, uri);
    return { file, real };
  }

  /**
   * What to answer when `file` (allowed as named) could not be resolved or looked at (`e`). First
   * its real path as far as it exists, following dangling links, is judged: a path that leads out of
   * bounds is Forbidden whether or not the rest of it exists, so no answer tells what exists out there.
   * Then a name too long or a symlink loop is a 400, other errors stay as they are, and for an absent
   * path (ENOENT, ENOTDIR) the result is undefined: the caller says what absence means to it.
   */
  private async unresolved(file: string, uri: string, e: unknown): Promise<unknown> {
    if (errCode(e) === undefined) return e; // already an answer (a refusal, "not a folder")
    this.confinement.checkResolved(await realPathAsFarAsItExists(file), uri);
    return unusablePath(e, uri) ?? (isAbsence(e) ? undefined : e);
  }

  /**
   * Opens an object for reading: its real path, allowed, opened without following a final symlink;
   * on Linux the opened file's own path is judged again (closing the race between check and open).
   * With `ifMatch`, an object whose ETag differs is a Conflict. The caller closes the descriptor.
   */
  private async openObject(uri: string, ifMatch?: string): Promise<{ fd: number; st: BigIntStats; file: string }> {
    return (await this.openAsNamed(uri, ifMatch)) ?? this.openResolved(uri, ifMatch);
  }

  /**
   * Linux's fast path: open the path as named (the final component not followed), then judge the path
   * the kernel says the descriptor has, which already has every folder symlink resolved: one round trip
   * to libuv's thread pool fewer than a realpath first (each costs more than its system calls). Undefined when it cannot decide (not Linux, a final
   * symlink, absence, any error): `openResolved` then answers, with the precise error.
   */
  private async openAsNamed(uri: string, ifMatch?: string): Promise<{ fd: number; st: BigIntStats; file: string } | undefined> {
    if (!FD_PATHS || uri.endsWith('/')) return undefined;
    const file = this.confined(uri);
    let fd: number;
    try {
      fd = await openFd(file, READ_FLAGS);
    } catch {
      return undefined;
    }
    const opened = await openedPath(fd);
    if (opened === undefined) {
      await closeFd(fd);
      return undefined;
    }
    return this.checkOpened(fd, opened, file, uri, ifMatch);
  }

  /** Resolves the real path first, then opens it without following a final symlink. */
  private async openResolved(uri: string, ifMatch?: string): Promise<{ fd: number; st: BigIntStats; file: string }> {
    const { file, real } = await this.resolveObject(uri);
    let fd: number;
    try {
      fd = await openFd(real, READ_FLAGS);
    } catch (e) {
      // ELOOP: the final component became a symlink after it was checked.
      if (isAbsence(e) || errCode(e) === 'ENXIO') throw notFound('object', uri);
      throw e;
    }
    return this.checkOpened(fd, await openedPath(fd), file, uri, ifMatch);
  }

  /** An open descriptor is kept only if its real path is allowed, it is a file, and its ETag is the expected one. */
  private async checkOpened(fd: number, opened: string | undefined, file: string, uri: string, ifMatch?: string) {
    try {
      if (opened !== undefined) this.confinement.checkResolved(opened, uri);
      const st = await fstatBigInt(fd);
      if (!st.isFile()) throw notFound('object', uri);
      if (ifMatch !== undefined && localFileEtag(st) !== ifMatch) throw conflict(`'${uri}' has changed (its ETag is no longer ${ifMatch})`);
      return { fd, st, file };
    } catch (e) {
      await closeFd(fd);
      throw e;
    }
  }

  /**
   * Files under `prefix` in key order, starting after `cursor`, handed out by `take(n)`. Subtrees
   * wholly before the cursor are skipped by binary search in the cached sorted listings; symlinks
   * leaving the prefix are skipped; a folder symlink to one of its own ancestors (a cycle) is not followed.
   */
  private async walkFrom(prefix: string, prefixReal: string, cursor?: string) {
    type Frame = { dir: string; real: string; keyPrefix: string; entries: DirEntry[]; next: number; ancestors: Set<string> };
    const openFrame = async (dir: string, real: string, keyPrefix: string, ancestors: Set<string>, after?: string): Promise<Frame> => {
      const entries = await this.sortedEntries(dir);
      const frame: Frame = { dir, real, keyPrefix, entries, next: 0, ancestors: new Set(ancestors).add(real) };
      if (after !== undefined) frame.next = upperBound(entries, after);
      return frame;
    };
    const stack: Frame[] = [];
    // Descend along the cursor: in each folder, the entry just before the cursor may be the folder holding it.
    let frame = await openFrame(prefix, prefixReal, '', new Set(), cursor);
    stack.push(frame);
    let rest = cursor;
    while (rest !== undefined) {
      const holder = frame.entries[frame.next - 1];
      if (!holder || !holder.isDir || !rest.startsWith(holder.sortKey)) break;
      const child = this.childDir(frame, holder, prefixReal);
      if (!child) break;
      rest = rest.slice(holder.sortKey.length);
      frame = await openFrame(child.dir, child.real, frame.keyPrefix + holder.sortKey, frame.ancestors, rest);
      stack.push(frame);
    }

    const take = async (n: number) => {
      const out: { key: string; file: string }[] = [];
      while (out.length < n && stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const entry = top.entries[top.next++];
        if (!entry) {
          stack.pop();
        } else if (entry.isDir) {
          const child = this.childDir(top, entry, prefixReal);
          if (child) stack.push(await openFrame(child.dir, child.real, top.keyPrefix + entry.sortKey, top.ancestors));
        } else if (entry.target === undefined || (isInside(entry.target, prefixReal) && this.confinement.allows(entry.target))) {
          out.push({ key: top.keyPrefix + entry.name, file: path.join(top.dir, entry.name) });
        }
      }
      return out;
    };
    return { take };
  }

  /** The folder an entry leads to, unless it is a symlink leaving the prefix, a cycle, or refused (the data dir, a system folder). */
  private childDir(frame: { dir: string; real: string; ancestors: Set<string> }, entry: DirEntry, prefixReal: string) {
    const real = entry.target ?? path.join(frame.real, entry.name);
    if (entry.target !== undefined && (!isInside(real, prefixReal) || frame.ancestors.has(real))) return undefined;
    const dir = path.join(frame.dir, entry.name);
    if (!this.confinement.allows(dir) || !this.confinement.allows(real)) return undefined;
    return { dir, real };
  }

  /** A folder's entries sorted by key, cached while the folder's mtime is unchanged. */
  private async sortedEntries(dir: string): Promise<DirEntry[]> {
    let mtimeNs: bigint;
    try {
      mtimeNs = (await stat(dir, { bigint: true })).mtimeNs;
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return [];
      throw e;
    }
    const cached = this.dirCache.get(dir);
    if (cached && cached.mtimeNs === mtimeNs && !cached.racy) {
      this.dirCache.delete(dir); // most recently used goes last
      this.dirCache.set(dir, cached);
      return cached.entries;
    }
    const readAt = Date.now();
    let dirents: Dirent[];
    try {
      dirents = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR' || errCode(e) === 'EACCES') return [];
      throw e;
    }
    const entries: DirEntry[] = [];
    const links: Dirent[] = [];
    for (const d of dirents) {
      if (d.name.startsWith('.')) continue; // hidden entries (.git, .ssh, our own temp files) are never objects
      if (d.isDirectory()) entries.push({ name: d.name, sortKey: d.name + '/', isDir: true });
      else if (d.isFile()) entries.push({ name: d.name, sortKey: d.name, isDir: false });
      else if (d.isSymbolicLink()) links.push(d);
    }
    const resolved = await mapLimited(links, STAT_CONCURRENCY, async (d): Promise<DirEntry | undefined> => {
      const full = path.join(dir, d.name);
      try {
        const target = await realpath(full);
        const st = await stat(target);
        if (st.isDirectory()) return { name: d.name, sortKey: d.name + '/', isDir: true, target };
        if (st.isFile()) return { name: d.name, sortKey: d.name, isDir: false, target };
      } catch {
        /* dangling or looping link: not an object */
      }
      return undefined;
    });
    for (const r of resolved) if (r) entries.push(r);
    // Without surrogate pairs, UTF-16 order is code point order and the native comparison is faster.
    if (entries.some((e) => SURROGATE.test(e.name))) entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    else entries.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));

    if (cached) this.forget(dir);
    const racy = Math.abs(readAt - Number(mtimeNs / 1_000_000n)) < RACY_MS;
    this.dirCache.set(dir, { mtimeNs, entries, racy });
    this.cachedEntries += entries.length;
    for (const key of this.dirCache.keys()) {
      if (this.cachedEntries <= CACHE_MAX_ENTRIES || key === dir) break;
      this.forget(key);
    }
    return entries;
  }

  private forget(dir: string) {
    const old = this.dirCache.get(dir);
    if (!old) return;
    this.cachedEntries -= old.entries.length;
    this.dirCache.delete(dir);
  }
}

/** Index of the first entry whose keys all come after `after`. */
function upperBound(entries: DirEntry[], after: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(entries[mid]!.sortKey, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function toObjectInfo(uri: string, st: BigIntStats): ObjectInfo {
  const info: ObjectInfo = {
    uri,
    size: Number(st.size),
    etag: localFileEtag(st),
    lastModified: st.mtime,
  };
  if (st.birthtimeNs > 0n) info.createTime = st.birthtime;
  return info;
}

/** Filesystem timestamps are coarse (a kernel tick): nudge a rewrite's mtime past the old one. */
async function ensureMtimeAdvances(temp: string, target: string) {
  let old: BigIntStats;
  try {
    old = await stat(target, { bigint: true });
  } catch {
    return;
  }
  const fresh = await stat(temp, { bigint: true });
  if (fresh.mtimeNs > old.mtimeNs) return;
  const bumped = Number(old.mtimeNs / 1000n + 1000n) / 1e6; // old + 1 ms, in seconds
  await utimes(temp, fresh.atime, bumped);
}

/** Why a path may not resolve; the walk below goes on up from each. */
const UNRESOLVABLE = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES']);
/** Links followed by hand before giving up (Linux's own limit). */
const MAX_LINK_HOPS = 40;

/**
 * Real path of `p`, or for a path not there yet (or not resolvable: a name too long, a folder that
 * cannot be searched), the real path of its nearest resolvable ancestor plus the rest. A dangling
 * symlink on the way counts as where it points, so a link out of bounds is judged the same whether or
 * not its target exists.
 */
async function realPathAsFarAsItExists(p: string, hops = 0): Promise<string> {
  const rest: string[] = [];
  for (let d = p; ; d = path.dirname(d)) {
    try {
      return path.join(await realpath(d), ...rest.reverse());
    } catch (e) {
      if (!UNRESOLVABLE.has(errCode(e) ?? '') || d === path.dirname(d)) throw e;
    }
    const target = hops < MAX_LINK_HOPS ? await readlink(d).catch(() => undefined) : undefined;
    if (target !== undefined) return realPathAsFarAsItExists(path.join(path.resolve(path.dirname(d), target), ...rest.reverse()), hops + 1);
    rest.push(path.basename(d));
  }
}

/**
 * A 400 for a path the filesystem cannot take: a name over 255 bytes (or a path over PATH_MAX), or
 * one that leads through too many symbolic links (a loop). The URI is shortened: it may be kilobytes.
 */
function unusablePath(e: unknown, uri: string): DomainError | undefined {
  const shown = [...uri].length <= 100 ? uri : `${[...uri].slice(0, 60).join('')}…${[...uri].slice(-30).join('')}`;
  if (errCode(e) === 'ENAMETOOLONG') return invalid(`'${shown}' names a path too long for the filesystem (a name over 255 bytes, or over 4096 in all)`, 'uri');
  if (errCode(e) === 'ELOOP') return invalid(`'${shown}' leads through too many symbolic links (a loop)`, 'uri');
  return undefined;
}

/** "Not there" as far as an object is concerned (ELOOP: a symlink loop, or a final symlink refused by O_NOFOLLOW). */
const isAbsence = (e: unknown) => ['ENOENT', 'ENOTDIR', 'ELOOP'].includes(errCode(e) ?? '');

// The callback API wrapped by hand: about twice as fast as `fs/promises` for many small calls.
const statBigInt = (file: string) => new Promise<BigIntStats>((resolve, reject) => statCallback(file, { bigint: true }, (e, st) => (e ? reject(e) : resolve(st))));
const realpathOf = (p: string) => new Promise<string>((resolve, reject) => fsRealpath.native(p, (e, r) => (e ? reject(e) : resolve(r))));
const openFd = (p: string, flags: number) => new Promise<number>((resolve, reject) => fsOpen(p, flags, (e, fd) => (e ? reject(e) : resolve(fd))));
const fstatBigInt = (fd: number) => new Promise<BigIntStats>((resolve, reject) => fsFstat(fd, { bigint: true }, (e, st) => (e ? reject(e) : resolve(st))));
const closeFd = (fd: number) => new Promise<void>((resolve) => fsClose(fd, () => resolve()));

/** Linux: the path of the file behind a descriptor, as the kernel sees it now; undefined elsewhere. */
function openedPath(fd: number): Promise<string | undefined> {
  if (!FD_PATHS) return Promise.resolve(undefined);
  return new Promise((resolve) => fsReadlink(FD_PATHS + fd, (e, target) => resolve(e ? undefined : target.replace(/ \(deleted\)$/, ''))));
}

/** Bytes `[start, end)` of an open file (all when no range, cut short at its end), then closes it. */
function readAndClose(fd: number, size: number, range?: { start: number; end: number }): Promise<Buffer> {
  const start = Math.min(range?.start ?? 0, size);
  const end = Math.min(range?.end ?? size, size);
  const buf = Buffer.allocUnsafe(end - start);
  return new Promise((resolve, reject) => {
    const finish = (e: NodeJS.ErrnoException | null, out?: Buffer) => fsClose(fd, () => (e ? reject(e) : resolve(out!)));
    let done = 0;
    const step = () => {
      if (done >= buf.length) return finish(null, buf);
      fsRead(fd, buf, done, buf.length - done, start + done, (e, n) => {
        if (e) return finish(e);
        if (n === 0) return finish(null, buf.subarray(0, done)); // shrank meanwhile
        done += n;
        step();
      });
    };
    step();
  });
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
