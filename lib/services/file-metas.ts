// Use cases of one file meta: get, user tag edits, thumbnail, download (listing is SearchService).
import type { Readable } from 'node:stream';
import { invalid, notFound } from '../domain/errors.js';
import type { FileMeta, ImageFormat } from '../domain/file-meta.js';
import { ImageFormat as ImageFormatSchema } from '../domain/file-meta.js';
import { MediaError, renderThumbnail, type ThumbnailMode } from '../media/thumbnail.js';
import { sniffFormat } from '../media/sniff.js';
import { nowIso, type ServiceDeps } from './deps.js';

export interface TagEdit {
  datasetFileMetaId: string;
  user?: { add?: string[]; remove?: string[] };
  userDeleteAiTags?: { add?: string[]; remove?: string[] };
}

export class FileMetaService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(datasetId: string, id: string): Promise<FileMeta> {
    const m = await this.deps.store.getFileMeta(id);
    if (!m || m.datasetId !== datasetId) throw notFound('DatasetFileMeta', id);
    return m;
  }

  /** A resized image of the file. A file that cannot be decoded is marked FAILED with the reason. */
  async thumbnail(datasetId: string, id: string, mode: ThumbnailMode): Promise<{ data: Buffer; contentType: string }> {
    const meta = await this.get(datasetId, id);
    if (meta.dataSize > this.deps.media.maxBytes) {
      throw invalid(`file is too large to render (${meta.dataSize} bytes > ${this.deps.media.maxBytes})`, 'DatasetFileMetaId');
    }
    const bytes = await this.deps.objects.forUri(meta.uri).read(meta.uri);
    const format: ImageFormat | undefined = sniffFormat(bytes) ?? ImageFormatSchema.safeParse(meta.fileType).data;
    const fail = async (reason: string) => {
      await this.deps.store.markFileFailed(meta.datasetFileMetaId, reason, nowIso(this.deps));
      this.deps.log.warn('file failed to render; marked FAILED', { metaId: meta.datasetFileMetaId, reason });
      return invalid(`the file cannot be rendered: ${reason}`, 'DatasetFileMetaId');
    };
    if (!format) throw await fail('not a supported image (unknown signature)');
    try {
      return await renderThumbnail(bytes, format, mode, this.deps.media);
    } catch (e) {
      if (e instanceof MediaError) throw await fail(`decode failed: ${e.reason}`);
      throw e;
    }
  }

  /**
   * UpdateDatasetFileMetas: user tags and the AI tags a user rejects, each as add/remove lists.
   * Tags.all = ai ∪ user − user-delete-ai-tags. All ids are checked before anything changes.
   */
  async updateTags(datasetId: string, updates: TagEdit[]): Promise<FileMeta[]> {
    const metas = await Promise.all(updates.map((u) => this.get(datasetId, u.datasetFileMetaId)));
    const now = nowIso(this.deps);
    const edit = (list: string[], e?: { add?: string[]; remove?: string[] }) => {
      const removed = new Set(e?.remove ?? []);
      return [...new Set([...list, ...(e?.add ?? [])])].filter((t) => !removed.has(t));
    };
    for (const [i, u] of updates.entries()) {
      const m = metas[i]!;
      await this.deps.store.updateUserTags(m.datasetFileMetaId, { user: edit(m.tags.user, u.user), userDeleteAiTags: edit(m.tags.userDeleteAiTags, u.userDeleteAiTags) }, now);
    }
    return Promise.all(updates.map((u) => this.get(datasetId, u.datasetFileMetaId)));
  }

  async download(datasetId: string, id: string): Promise<{ meta: FileMeta; stream: Readable }> {
    const meta = await this.get(datasetId, id);
    const stream = await this.deps.objects.forUri(meta.uri).openReadStream(meta.uri);
    return { meta, stream };
  }
}
