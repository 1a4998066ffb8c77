// Port: object storage holding a dataset's files (OSS in the cloud, a folder locally).
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Full URI of the object, e.g. `file:///data/cars/a/1.jpg` or `oss://bucket/a/1.jpg`. */
  uri: string;
  size: number;
  /** Changes whenever the content changes (OSS ETag; locally a weak tag of size and mtime). */
  etag: string;
  lastModified: Date;
  createTime?: Date;
}

export interface ObjectPage {
  objects: ObjectInfo[];
  /** Pass back as `cursor` for the next page; absent on the last page. Like OSS's marker. */
  nextCursor?: string;
}

export interface ReadOptions {
  /**
   * The ETag the caller expects (OSS's If-Match): when the object's ETag differs, the read fails with
   * Conflict and returns nothing, so bytes indexed under one fingerprint are never served for another.
   */
  ifMatch?: string;
}

export interface ObjectStore {
  /** The URI scheme this store serves (`file`, `oss`). */
  readonly scheme: string;
  /**
   * Lists objects under `prefixUri` (recursively) in lexicographic key order, one page at a time.
   * `cursor` is the last key of the previous page (exclusive). Default and maximum page: 1000.
   */
  list(prefixUri: string, opts?: { cursor?: string; maxKeys?: number }): Promise<ObjectPage>;
  /**
   * Checks that a prefix can hold a dataset: Forbidden when the store may not serve it (a local folder
   * outside the allowed roots), NotFound when its location does not exist (a missing local folder, a
   * missing bucket). An existing but empty prefix is fine.
   */
  checkPrefix(prefixUri: string): Promise<void>;
  /** Metadata of one object; NotFound when absent. */
  head(uri: string): Promise<ObjectInfo>;
  /** Bytes `[start, end)` of an object (all when no range); a range past the end is cut short. */
  read(uri: string, range?: { start: number; end: number }, opts?: ReadOptions): Promise<Buffer>;
  /**
   * The whole object with its metadata, read in one request (OSS: one GetObject). When it is larger
   * than `maxBytes`, only the metadata comes back (`data` absent) and nothing is read.
   */
  get(uri: string, opts?: { maxBytes?: number } & ReadOptions): Promise<{ info: ObjectInfo; data?: Buffer }>;
  /**
   * The object's metadata and its first `bytes` bytes (fewer when it is shorter), in one request (OSS:
   * one ranged GetObject, whose headers carry the size and ETag): what a prober needs to begin.
   */
  readHead(uri: string, bytes: number, opts?: ReadOptions): Promise<{ info: ObjectInfo; data: Buffer }>;
  /** A stream of the whole object, for downloads. */
  openReadStream(uri: string, opts?: ReadOptions): Promise<Readable>;
  /**
   * Writes an object (creating folders as needed), atomically: readers see the old object or the
   * whole new one, never a part (OSS: one PutObject or a completed multipart upload). `data` may be
   * a stream of chunks, so a large export never sits in memory.
   */
  write(uri: string, data: Buffer | string | AsyncIterable<Uint8Array | string>): Promise<void>;
  /**
   * Copies an object to another key of this store, atomically replacing it (OSS: CopyObject; with
   * `ifMatch`, x-oss-copy-source-if-match). With `ifMatch`, a source whose ETag differs is a Conflict
   * and nothing is written.
   */
  copy(fromUri: string, toUri: string, opts?: ReadOptions): Promise<void>;
  /**
   * One spelling per folder, so that "is this folder inside that one" can be asked of two URIs that
   * name it differently: a URI ending with `/`. A local folder resolves symlinks as far as the path
   * exists (the rest appended as named), so a folder reached through a link compares equal to its
   * target; an OSS store, which has no links, returns the URI normalised. Looks at no content and
   * needs no permission to the folder: it may be asked of any registered dataset's folder.
   */
  canonicalFolder(uri: string): Promise<string>;
  /** Deletes an object; deleting an absent object is not an error. */
  delete(uri: string): Promise<void>;
}

/** Picks the ObjectStore for a URI by its scheme (`file:`, `oss:`). */
export interface ObjectStores {
  forUri(uri: string): ObjectStore;
  /** Schemes that can be registered as dataset URIs. */
  readonly schemes: readonly string[];
}
