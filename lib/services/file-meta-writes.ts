// PAI's file-meta writes: CreateDatasetFileMetas, UpdateDatasetFileMetas, DeleteDatasetFileMetas.
// Each works item by item: an item that cannot be done goes to the failed list with the reason and the
// others go on (PAI's Status / SucceedDetails / FailedDetails). What makes the whole request wrong (the
// dataset, the version, the TagJobId) is an error instead.
//
// Loupe owns the facts about a file (size, fingerprint, times, type, the probe's measurements): a
// listing and a probe establish them. People own tags, Comment and MetaAttributes' other keys. A meta
// created through the API states the facts as the caller gives them, Status PENDING, until a listing
// (FileMetaBuild, or any job's) finds the file under the same Uri — the id is the same hash, so that
// listing updates this meta — and a probe checks it; a listing that does not find it marks it DELETED.
import type { Dataset } from '../domain/dataset.js';
import { isFolderEdition } from '../domain/dataset.js';
import { invalid, notFound } from '../domain/errors.js';
import {
  PAI_FILE_TYPES,
  PROBE_ATTRIBUTE_KEYS,
  extensionOf,
  splitUnderRoot,
  type FileMeta,
  type FileTags,
  type MetaAttributes,
} from '../domain/file-meta.js';
import { fileMetaId } from '../domain/ids.js';
import type { DatasetJob } from '../domain/job.js';
import { objectUriUnder } from '../domain/object-uri.js';
import { datasetIn } from './dataset-access.js';
import { parseIsoInstant } from '../dsl/iso-instant.js';
import type { CreatedFileRow } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';

/** One item's outcome, as PAI's DatasetFileMetaResponse. */
export interface FileMetaOutcome {
  datasetFileMetaId: string;
  uri?: string;
  result: string;
}

export interface BatchOutcome {
  succeeded: FileMetaOutcome[];
  failed: FileMetaOutcome[];
}

/** Tags added and taken out of a group; a list replaces the group. */
export type TagGroupEdit = { add?: string[]; remove?: string[] } | string[];

export interface CreateFileMetaItem {
  uri: string;
  fileName?: string;
  contentType: string;
  fileType: string;
  dataSize?: number;
  fileFingerPrint: string;
  /** ISO 8601 (checked by the caller). */
  fileCreateTime?: string;
  fileUpdateTime: string;
  metaAttributes?: MetaAttributes;
  /** Only the `user` group exists on a new meta. */
  tags?: { user?: TagGroupEdit };
  comment?: string;
}

export interface UpdateFileMetaItem {
  datasetFileMetaId: string;
  comment?: string;
  /** A JSON merge patch: each key set, a null removes it. The keys a probe measures cannot change. */
  metaAttributes?: MetaAttributes;
  tags?: { ai?: string[]; user?: TagGroupEdit; userDeleteAiTags?: TagGroupEdit };
  /** File facts Loupe owns: accepted only when equal to what is stored (a meta read and sent back). */
  facts?: Partial<Record<FactField, string | number>>;
}

/** The file facts of UpdateDatasetFileMetas that Loupe establishes itself, by wire name. */
export const FACT_FIELDS = [
  'ContentType',
  'DataSize',
  'FileCreateTime',
  'FileFingerPrint',
  'FileName',
  'FileType',
  'FileUpdateTime',
  'SemanticIndexJobId',
  'SemanticIndexUpdateTime',
] as const;
export type FactField = (typeof FACT_FIELDS)[number];

/** How many times an update is tried again when the meta's tags changed between reading and writing. */
const UPDATE_ATTEMPTS = 3;

export class FileMetaWrites {
  constructor(private readonly deps: ServiceDeps) {}

  async create(datasetId: string, input: { versionName: string; workspaceId?: string; items: CreateFileMetaItem[] }): Promise<BatchOutcome> {
    const dataset = await this.dataset(datasetId, input.workspaceId);
    if (!isFolderEdition(dataset.edition)) {
      throw invalid('a LOGICAL dataset holds references written by exports: file metas cannot be created in it', 'DatasetId');
    }
    const version = await this.deps.store.getVersion(datasetId, input.versionName);
    if (!version) throw notFound('DatasetVersion', `${datasetId}/${input.versionName}`);

    const out: BatchOutcome = { succeeded: [], failed: [] };
    const seen = new Set<string>();
    const planned: Array<{ row: CreatedFileRow; uri: string }> = [];
    for (const item of input.items) {
      const fail = (result: string, id = '') => out.failed.push({ datasetFileMetaId: id, uri: item.uri, result });
      const under = objectUriUnder(version.uri, item.uri);
      if (!under.ok) {
        fail(under.reason);
        continue;
      }
      const id = fileMetaId(datasetId, version.versionName, under.uri);
      if (seen.has(id)) {
        fail('the same Uri is given twice in this request', id);
        continue;
      }
      seen.add(id);
      const { fileName, fileDir } = splitUnderRoot(under.root, under.uri);
      if (item.fileName !== undefined && item.fileName !== '' && item.fileName !== fileName) {
        fail(`FileName is the Uri's last segment here ('${fileName}'); got '${item.fileName}'`, id);
        continue;
      }
      const fileType = paiFileType(item.fileType);
      if (fileType === undefined) {
        fail(`FileType '${item.fileType}' is not one of ${PAI_FILE_TYPES.join(', ')} (nor a MIME type of one)`, id);
        continue;
      }
      planned.push({
        uri: under.uri,
        row: {
          datasetFileMetaId: id,
          datasetId,
          versionName: version.versionName,
          uri: under.uri,
          fileName,
          fileDir,
          dataSize: item.dataSize ?? 0,
          fileFingerPrint: item.fileFingerPrint,
          fileCreateTime: item.fileCreateTime === undefined ? null : isoOf(item.fileCreateTime),
          fileUpdateTime: isoOf(item.fileUpdateTime),
          fileType,
          fileFormat: extensionOf(fileName),
          contentType: item.contentType,
          metaAttributes: item.metaAttributes ?? {},
          userTags: edited([], item.tags?.user),
          comment: item.comment ?? '',
        },
      });
    }

    // A meta that exists (and is not DELETED) is not created again: the store checks too (a listing may write it meanwhile).
    const existing = new Map((await this.deps.store.getFileMetas(planned.map((p) => p.row.datasetFileMetaId))).map((m) => [m.datasetFileMetaId, m]));
    const exists = (status?: string) =>
      `a file meta for this Uri exists already${status ? ` (Status ${status})` : ''}: change it with UpdateDatasetFileMetas, or delete it first`;
    const toWrite = planned.filter((p) => {
      const m = existing.get(p.row.datasetFileMetaId);
      if (m && m.status !== 'DELETED') out.failed.push({ datasetFileMetaId: m.datasetFileMetaId, uri: p.uri, result: exists(m.status) });
      return !m || m.status === 'DELETED';
    });
    const written = toWrite.length ? await this.deps.store.createFileMetas(toWrite.map((p) => p.row), nowIso(this.deps)) : [];
    toWrite.forEach((p, i) => {
      const id = p.row.datasetFileMetaId;
      if (written[i]) out.succeeded.push({ datasetFileMetaId: id, uri: p.uri, result: 'created (Status PENDING until FileMetaBuild finds and probes the file)' });
      else out.failed.push({ datasetFileMetaId: id, uri: p.uri, result: exists() });
    });
    if (out.succeeded.length) this.deps.log.info('file metas created', { datasetId, versionName: version.versionName, count: out.succeeded.length });
    return out;
  }

  async update(
    datasetId: string,
    input: { versionName?: string; workspaceId?: string; tagJobId?: string; items: UpdateFileMetaItem[] },
  ): Promise<BatchOutcome> {
    await this.dataset(datasetId, input.workspaceId);
    if (input.versionName !== undefined) await this.version(datasetId, input.versionName);
    const aiAt = input.items.findIndex((i) => i.tags?.ai !== undefined);
    if (aiAt >= 0 && input.tagJobId === undefined) {
      throw invalid(`DatasetFileMetas.${aiAt}.Tags: the ai group replaces the AI tags: give TagJobId, the IntelligentTag job they come from`, 'TagJobId');
    }
    const tagJob = input.tagJobId === undefined ? undefined : await this.tagJob(datasetId, input.tagJobId);

    const out: BatchOutcome = { succeeded: [], failed: [] };
    for (const item of input.items) {
      const result = await this.updateOne(datasetId, input.versionName, tagJob, item);
      if (result === undefined) out.succeeded.push({ datasetFileMetaId: item.datasetFileMetaId, result: 'updated' });
      else out.failed.push({ datasetFileMetaId: item.datasetFileMetaId, ...(result.uri ? { uri: result.uri } : {}), result: result.reason });
    }
    return out;
  }

  async delete(datasetId: string, input: { versionName?: string; workspaceId?: string; ids: string[] }): Promise<BatchOutcome> {
    await this.dataset(datasetId, input.workspaceId);
    if (input.versionName !== undefined) await this.version(datasetId, input.versionName);
    const ids = [...new Set(input.ids)];
    const found = new Map((await this.deps.store.getFileMetas(ids)).map((m) => [m.datasetFileMetaId, m]));
    const out: BatchOutcome = { succeeded: [], failed: [] };
    const doomed: string[] = [];
    for (const id of ids) {
      const m = found.get(id);
      const missing = this.missing(m, datasetId, input.versionName, id);
      if (missing) {
        // A meta of another version of this dataset is named with its Uri; one of another dataset never is.
        out.failed.push({ datasetFileMetaId: id, ...(m && m.datasetId === datasetId ? { uri: m.uri } : {}), result: missing });
        continue;
      }
      // Deleting a DELETED meta again changes nothing and is no failure.
      if (m!.status !== 'DELETED') doomed.push(id);
      out.succeeded.push({ datasetFileMetaId: id, uri: m!.uri, result: 'deleted' });
    }
    if (doomed.length) {
      await this.deps.store.markFileMetasDeleted(doomed, nowIso(this.deps));
      this.deps.log.info('file metas deleted', { datasetId, count: doomed.length });
    }
    return out;
  }

  /** Undefined when done; else why not. Tries again when the tags changed between reading and writing. */
  private async updateOne(
    datasetId: string,
    versionName: string | undefined,
    tagJob: DatasetJob | undefined,
    item: UpdateFileMetaItem,
  ): Promise<{ reason: string; uri?: string } | undefined> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const m = await this.deps.store.getFileMeta(item.datasetFileMetaId);
      const missing = this.missing(m, datasetId, versionName, item.datasetFileMetaId);
      if (missing) return { reason: missing };
      const meta = m!;
      const fail = (reason: string) => ({ reason, uri: meta.uri });
      if (meta.status === 'DELETED') return fail('the file meta is DELETED');
      const fact = differingFact(meta, item.facts ?? {});
      if (fact) return fail(fact);

      let attributes: MetaAttributes | undefined;
      if (item.metaAttributes) {
        attributes = {};
        for (const [key, value] of Object.entries(item.metaAttributes)) {
          if (!PROBE_ATTRIBUTE_KEYS.includes(key)) attributes[key] = value;
          else if (JSON.stringify(meta.metaAttributes[key] ?? null) !== JSON.stringify(value)) {
            return fail(`MetaAttributes.${key} is measured by Loupe from the file and cannot be set (stored: ${JSON.stringify(meta.metaAttributes[key] ?? null)})`);
          }
        }
      }

      let tags: FileTags | undefined;
      if (item.tags) {
        if (item.tags.ai !== undefined && tagJob && tagJob.versionName !== meta.versionName) {
          return fail(`TagJobId ${tagJob.datasetJobId} tagged version ${tagJob.versionName}; this file meta is of version ${meta.versionName}`);
        }
        const next: FileTags = {
          ai: item.tags.ai !== undefined ? unique(item.tags.ai) : meta.tags.ai,
          user: edited(meta.tags.user, item.tags.user),
          userDeleteAiTags: edited(meta.tags.userDeleteAiTags, item.tags.userDeleteAiTags),
        };
        if (!sameTags(next, meta.tags)) tags = next;
      }
      const done = await this.deps.store.updateFileMetaContent(
        {
          datasetFileMetaId: meta.datasetFileMetaId,
          expectedTags: meta.tags,
          ...(tags ? { tags } : {}),
          ...(attributes && Object.keys(attributes).length ? { metaAttributes: attributes } : {}),
          ...(item.comment !== undefined ? { comment: item.comment } : {}),
        },
        nowIso(this.deps),
      );
      if (done) return undefined;
    }
    return { reason: 'the file meta kept changing while it was being updated (a job is writing it); try again' };
  }

  /** Why `m` is not a meta this request may touch ("not found" alike), or undefined. */
  private missing(m: FileMeta | undefined, datasetId: string, versionName: string | undefined, id: string): string | undefined {
    if (!m || m.datasetId !== datasetId) return `DatasetFileMeta '${id}' not found in dataset ${datasetId}`;
    if (versionName !== undefined && m.versionName !== versionName) return `DatasetFileMeta '${id}' not found in version ${versionName}`;
    return undefined;
  }

  /** The dataset, if the request's workspace (if any) holds it (else 404 as if absent; 403 from one it is only shared to). */
  private async dataset(datasetId: string, workspaceId: string | undefined): Promise<Dataset> {
    return datasetIn(this.deps, datasetId, workspaceId, 'own');
  }

  private async version(datasetId: string, versionName: string): Promise<void> {
    if (!(await this.deps.store.hasVersion(datasetId, versionName))) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
  }

  /** TagJobId must name an IntelligentTag job of this dataset. */
  private async tagJob(datasetId: string, jobId: string): Promise<DatasetJob> {
    const job = await this.deps.store.getJob(jobId);
    if (!job || job.datasetId !== datasetId) throw invalid(`TagJobId: no job '${jobId}' in dataset ${datasetId}`, 'TagJobId');
    if (job.jobAction !== 'IntelligentTag') throw invalid(`TagJobId: job '${jobId}' is a ${job.jobAction} job, not IntelligentTag`, 'TagJobId');
    return job;
  }
}

/** PAI's FileType from what a caller sends: the top-level type (`image`), or a MIME type (`image/jpeg`). */
export function paiFileType(value: string): string | undefined {
  const top = value.trim().toLowerCase().split('/')[0]!;
  return (PAI_FILE_TYPES as readonly string[]).includes(top) ? top : undefined;
}

const isoOf = (s: string) => new Date(parseIsoInstant(s)!).toISOString();
const unique = (xs: string[]) => [...new Set(xs)];

/** `list` with `e.add` appended and `e.remove` taken out, or `e` itself when it is a list; no duplicates. */
function edited(list: string[], e: TagGroupEdit | undefined): string[] {
  if (!e) return list;
  if (Array.isArray(e)) return unique(e);
  const removed = new Set(e.remove ?? []);
  return unique([...list, ...(e.add ?? [])]).filter((t) => !removed.has(t));
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameTags = (a: FileTags, b: FileTags) => sameList(a.ai, b.ai) && sameList(a.user, b.user) && sameList(a.userDeleteAiTags, b.userDeleteAiTags);

/**
 * The first file fact given with a value other than the stored one, as the reason; undefined when all
 * agree (a meta read with GetDatasetFileMeta and sent back unchanged updates fine). Times compare as instants.
 */
function differingFact(m: FileMeta, facts: Partial<Record<FactField, string | number>>): string | undefined {
  const stored: Record<FactField, string | number | null> = {
    ContentType: m.contentType,
    DataSize: m.dataSize,
    FileCreateTime: m.fileCreateTime,
    FileFingerPrint: m.fileFingerPrint,
    FileName: m.fileName,
    FileType: m.fileType || null,
    FileUpdateTime: m.fileUpdateTime,
    SemanticIndexJobId: m.semanticIndexJobId,
    SemanticIndexUpdateTime: m.semanticIndexUpdateTime,
  };
  for (const field of FACT_FIELDS) {
    const given = facts[field];
    if (given === undefined) continue;
    const have = stored[field];
    const same = field.endsWith('Time')
      ? (have === null ? given === '' : parseIsoInstant(String(given)) === parseIsoInstant(have as string))
      : field === 'FileType'
        ? (paiFileType(String(given)) ?? String(given).toLowerCase()) === (have ?? '')
        : field === 'ContentType'
        ? String(given).toLowerCase() === String(have ?? '').toLowerCase()
        : have === null
          ? given === ''
          : given === have;
    if (!same) {
      return `${field} is established by Loupe from the file and cannot be set (stored: ${JSON.stringify(have)}); run FileMetaBuild to refresh it`;
    }
  }
  return undefined;
}
