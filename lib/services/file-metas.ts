// Use cases of file metas: get, thumbnail, download; the writes (create, update, delete) are in
// file-meta-writes.ts; listing is SearchService.
import { Readable } from 'node:stream';
import { DomainError, conflict, invalid, isDomainError, notFound } from '../domain/errors.js';
import type { FileMeta } from '../domain/file-meta.js';
import { datasetIn } from './dataset-access.js';
import { MediaError, renderThumbnail, type ThumbnailMode } from '../media/thumbnail.js';
import { sniffFormat } from '../media/sniff.js';
import type { ServiceDeps } from './deps.js';
import { FileMetaWrites, type BatchOutcome } from './file-meta-writes.js';

export class FileMetaService {
  private readonly writes: FileMetaWrites;
  constructor(private readonly deps: ServiceDeps) {
    this.writes = new FileMetaWrites(deps);
  }

  /** CreateDatasetFileMetas (file-meta-writes.ts). */
  create(datasetId: string, input: Parameters<FileMetaWrites['create']>[1]): Promise<BatchOutcome> {
    return this.writes.create(datasetId, input);
  }

  /** UpdateDatasetFileMetas: tags, Comment, MetaAttributes (file-meta-writes.ts). */
  update(datasetId: string, input: Parameters<FileMetaWrites['update']>[1]): Promise<BatchOutcome> {
    return this.writes.update(datasetId, input);
  }

  /** DeleteDatasetFileMetas: Status DELETED (file-meta-writes.ts). */
  delete(datasetId: string, input: Parameters<FileMetaWrites['delete']>[1]): Promise<BatchOutcome> {
    return this.writes.delete(datasetId, input);
  }

  async get(datasetId: string, id: string): Promise<FileMeta> {
    const m = await this.deps.store.getFileMeta(id);
    if (!m || m.datasetId !== datasetId) throw notFound('DatasetFileMeta', id);
    return m;
  }

  /**
   * GetDatasetFileMeta: the meta and its dataset's workspace. A dataset outside `workspace`, or a meta
   * of another version than `versionName`, is not found (both only when given).
   */
  async getIn(datasetId: string, id: string, o: { workspace?: string; versionName?: string } = {}): Promise<{ meta: FileMeta; workspaceId: string }> {
    const dataset = await datasetIn(this.deps, datasetId, o.workspace, 'read');
    const meta = await this.get(datasetId, id);
    if (o.versionName !== undefined && meta.versionName !== o.versionName) throw notFound('DatasetFileMeta', id);
    return { meta, workspaceId: dataset.workspaceId };
  }

  /**
   * A resized image of the file, and the fingerprint of the version it shows. A file that is no image
   * is Forbidden (see `notAnImage`); an image that cannot be rendered is a Conflict (409) naming why;
   * its status stays.
   */
  async thumbnail(datasetId: string, id: string, mode: ThumbnailMode): Promise<{ data: Buffer; contentType: string; fingerprint: string }> {
    const meta = await this.get(datasetId, id);
    if (meta.status === 'SKIPPED') throw notAnImage();
    if (meta.dataSize > this.deps.media.maxBytes) {
      throw invalid(`file is too large to render (${meta.dataSize} bytes > ${this.deps.media.maxBytes})`, 'DatasetFileMetaId');
    }
    const bytes = await indexedBytes(meta, () => this.deps.objects.forUri(meta.uri).read(meta.uri, undefined, { ifMatch: meta.fileFingerPrint }));
    const format = sniffFormat(bytes);
    if (!format) throw notAnImage();
    // A failed render changes nothing on the file: a file caught mid-replacement, or a limit of the
    // renderer, must not fail it for good; FileMetaBuild alone judges files.
    const fail = (reason: string) => {
      this.deps.log.warn('file failed to render', { metaId: meta.datasetFileMetaId, reason });
      return conflict(`the file cannot be rendered as it is in storage now: ${reason}`);
    };
    try {
      // The bytes were read if they still match this fingerprint: the image is of that version of the file.
      return { ...(await renderThumbnail(bytes, format, mode, this.deps.media)), fingerprint: meta.fileFingerPrint };
    } catch (e) {
      if (e instanceof MediaError) throw fail(`decode failed: ${e.reason}`);
      throw e;
    }
  }

  /** The original file, streamed; only an image (see `notAnImage`), judged by its first bytes before any is sent. */
  async download(datasetId: string, id: string): Promise<{ meta: FileMeta; stream: Readable }> {
    const meta = await this.get(datasetId, id);
    if (meta.status === 'SKIPPED') throw notAnImage();
    const stream = await indexedBytes(meta, () => this.deps.objects.forUri(meta.uri).openReadStream(meta.uri, { ifMatch: meta.fileFingerPrint }));
    return { meta, stream: await onlyIfImage(stream) };
  }
}

/**
 * Download and thumbnail serve images, nothing else: a dataset folder may hold notes, keys or
 * labels next to its images, and a signed link works without the API key. A SKIPPED file is refused
 * outright; any other (a PENDING one not probed yet, a FAILED `.jpg` that is text) by its bytes.
 * The answer quotes none of them.
 */
const notAnImage = () => new DomainError('Forbidden', 'not an image: Loupe serves only image files');

/** What the sniffer needs to recognise every format it knows (WebP's is the longest: 12 bytes). */
const SNIFF_BYTES = 16;

/** `stream` from its first byte if those bytes are an image; else it is closed and the answer is `notAnImage`. */
async function onlyIfImage(stream: Readable): Promise<Readable> {
  const chunks: AsyncIterator<Buffer> = stream[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  try {
    while (size < SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) break;
      head.push(next.value);
      size += next.value.length;
    }
  } catch (e) {
    stream.destroy();
    throw e;
  }
  if (!sniffFormat(Buffer.concat(head))) {
    await chunks.return?.(); // closes the file
    throw notAnImage();
  }
  return Readable.from(replay(head, chunks), { objectMode: false });
}

/** The chunks already read, then the rest; stopping early (a client gone) closes the file. */
async function* replay(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    await rest.return?.();
  }
}

/**
 * Reads a file only as it was indexed (its FileFingerPrint): a file replaced since, by other bytes or
 * by a link to another file, is a Conflict, never served under this meta.
 */
async function indexedBytes<T>(meta: FileMeta, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (isDomainError(e) && e.kind === 'Conflict') throw conflict(`${meta.fileName} changed since it was indexed; run FileMetaBuild (Increment)`);
    throw e;
  }
}
