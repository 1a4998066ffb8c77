// FileMetaImport (PAI's JobAction): file metas into a dataset version, from an export in PAI's layout
// (`manifestUri`, read through the object store: its confinement applies) or from another dataset's
// version (`srcDatasetId`, with a `query` as FileMetaExport's). Each line is what CreateDatasetFileMetas
// registers: its Uri must lie inside the version's Uri (the same check), it gets the DatasetFileMetaId a
// FileMetaBuild listing gives that Uri, and a new meta is PENDING until a FileMetaBuild finds and probes
// the file. What people own comes along (Tags.user, Tags.user-delete-ai-tags, Comment, MetaAttributes'
// own keys), as filteredAttributes allows; the file facts a line states (size, fingerprint, times, type)
// are taken only for a meta the import creates (Loupe establishes them for the others); AI tags never
// (they belong to the IntelligentTag job that wrote them).
//
// importMode `append` (default) adds and updates; `replace` then marks DELETED (logically, as
// DeleteDatasetFileMetas) every meta of the version the import did not name — unless some line could
// not be read at all (no Uri to tell what it named): then nothing is deleted, and the Logs say why.
//
// Streams: lines (or the source's metas) are applied in batches of BATCH, each counted through the job's
// items (TotalFileCount, CompletedFileCount, FailedFileCount; a failed line's reason in FailedFiles).
// A line fails alone. A redelivery re-reads everything and writes the same state (a meta already as
// imported is left untouched); the items make every line count once. Runs on the exporter's queue.
import { z } from 'zod';
import { invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import {
  extensionOf,
  paiFileTypeOf,
  PAI_FILE_TYPES,
  PROBE_ATTRIBUTE_KEYS,
  splitUnderRoot,
  type FileMeta,
  type FileTags,
  type MetaAttributes,
} from '../domain/file-meta.js';
import { fileMetaId } from '../domain/ids.js';
import {
  FileMetaImportSpec,
  importAttributesOf,
  type DatasetJob,
  type ExportMessage,
  type FileOutcome,
  type PaiAttributes,
  type PaiExportAttribute,
} from '../domain/job.js';
import { objectUriUnder } from '../domain/object-uri.js';
import { PAI_MANIFEST_FILE } from '../domain/pai-manifest.js';
import { freeText, lineText } from '../domain/text.js';
import { MAX_TOP_K } from '../dsl/parser.js';
import { parseIsoInstant } from '../dsl/iso-instant.js';
import type { CreatedFileRow } from '../ports/meta-store.js';
import { datasetIn } from './dataset-access.js';
import { deliver } from './delivery-failures.js';
import { nowIso, type ServiceDeps } from './deps.js';
import { exportSearchOf } from './export.js';
import { ContentType, IsoTime, MetaAttributesInput, TagList } from './file-meta-input.js';
import { paiFileType } from './file-meta-writes.js';
import { finalStatus, type JobService } from './jobs.js';
import { boundedLines, openPaiExport } from './pai-export-reader.js';
import type { BatchContext } from './probing.js';
import type { SearchService } from './search.js';

/** Lines (or source metas) per batch: one read of the existing metas, one write, one count. */
export const IMPORT_BATCH = 1000;
/** Failed lines logged one by one per batch; the rest are summed up (FailedFiles lists them all). */
const LOGGED_FAILURES = 20;
/** A failure's reason is at most this long (it names the line's place, never its text). */
const MAX_REASON = 600;
/** How many times a meta is updated again when its tags changed between reading and writing. */
const UPDATE_ATTEMPTS = 3;

type Spec = z.infer<typeof FileMetaImportSpec>;

/** What an import takes from one line (or source meta) for the meta at `uri` of the target version. */
interface ImportedLine {
  uri: string;
  /** What a failure's reason names it by: the line's place (`file:line`; its text is never quoted), or the source meta's Uri. */
  where: string;
  fileName: string;
  fileDir: string;
  user?: string[];
  userDeleteAiTags?: string[];
  /** AI tags the line carried (never imported; counted for the Logs). */
  aiTags: number;
  comment?: string;
  /** People's keys only (what a probe measures is Loupe's). */
  metaAttributes?: MetaAttributes;
  dataSize?: number;
  fileFingerPrint?: string;
  fileCreateTime?: string;
  fileUpdateTime?: string;
  contentType?: string;
  fileType?: string;
}

/**
 * One line: `key` is the DatasetFileMetaId it names in the target version (or, when it names no Uri,
 * its place `file:line`), the unit TotalFileCount counts. `named`: whether the line's Uri could be read.
 */
type ImportItem = { key: string; ok: true; line: ImportedLine } | { key: string; ok: false; reason: string; named: boolean };

interface Target {
  datasetId: string;
  versionName: string;
  uri: string;
}

interface RunStats {
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  /** Lines whose Uri could not be read: `replace` deletes nothing then. */
  unnamed: number;
  /** Lines that carried AI tags. */
  withAiTags: number;
}

/**
 * Checks a FileMetaImport's JobSpec when the job is created: its shape, the export's manifest (read:
 * a location outside the allowed folders is a 403, a missing or malformed manifest a 400), or the
 * source dataset (404 when absent or not in srcWorkspaceId), its version and the query. Returns the
 * spec to store: srcDatasetVersion fixed (the source's latest when absent), importMode spelled out.
 */
export async function resolveImportSpec(
  deps: ServiceDeps,
  search: SearchService,
  raw: Record<string, unknown>,
  /** The importing dataset's workspace (undefined: none): the source must be readable from it. */
  workspace?: string,
): Promise<Record<string, unknown>> {
  const r = FileMetaImportSpec.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `JobSpec.${issue.path.map(String).join('.')}` : 'JobSpec';
    throw invalid(`${where}: ${issue.message}`, where);
  }
  const spec = r.data;
  if (spec.manifestUri !== undefined) {
    await openPaiExport(deps, spec.manifestUri, 'JobSpec.manifestUri');
    return spec;
  }
  const source = await sourceOf(deps, spec, workspace);
  await exportSearchOf(search, source.datasetId, source.versionName, { search: spec.query ?? {}, searchKey: 'query' });
  return { ...spec, srcDatasetVersion: source.versionName };
}

/**
 * The source dataset and version of an import from another dataset: one the importing dataset's
 * workspace may read (its own, or shared to it; a dataset in no workspace reads as `srcWorkspaceId`
 * would). `srcWorkspaceId`, when given, must be the source's own workspace; otherwise it is not found.
 */
async function sourceOf(deps: ServiceDeps, spec: Spec, workspace: string | undefined): Promise<{ datasetId: string; versionName: string }> {
  const field = 'JobSpec.srcDatasetId';
  const dataset = await datasetIn(deps, spec.srcDatasetId!, workspace ?? spec.srcWorkspaceId, 'read')
    .then((d) => {
      if (spec.srcWorkspaceId !== undefined && spec.srcWorkspaceId !== d.workspaceId) throw notFound('Dataset', spec.srcDatasetId!);
      return d;
    })
    .catch((e: unknown) => {
      throw isDomainError(e) ? withField(e, field) : e;
    });
  if (dataset.edition === 'LOGICAL') {
    throw invalid(`${field}: dataset '${dataset.datasetId}' is LOGICAL: its versions hold references, not file metas`, field);
  }
  const versionName = spec.srcDatasetVersion ?? (await deps.store.latestVersion(dataset.datasetId))?.versionName;
  if (versionName === undefined) throw invalid(`JobSpec.srcDatasetVersion: dataset '${dataset.datasetId}' has no version`, 'JobSpec.srcDatasetVersion');
  if (!(await deps.store.hasVersion(dataset.datasetId, versionName))) {
    throw withField(notFound('DatasetVersion', `${dataset.datasetId}/${versionName}`), 'JobSpec.srcDatasetVersion');
  }
  return { datasetId: dataset.datasetId, versionName };
}

export class FileMetaImportService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
    private readonly search: SearchService,
  ) {}

  /** Lines per batch (tests lower it to see several batches). */
  batchSize = IMPORT_BATCH;

  /** The exporter's step for a FileMetaImport: the whole import of one job. */
  async run(msg: ExportMessage, ctx: BatchContext = { dequeueCount: 1 }): Promise<'done' | 'dropped'> {
    const job = await this.jobs.begin(msg.jobId, 'running: importing file metas');
    if (!job) return 'dropped';
    const id = job.datasetJobId;
    const spec = FileMetaImportSpec.parse(job.jobSpec);
    const from = spec.manifestUri !== undefined ? spec.manifestUri : `dataset ${spec.srcDatasetId}/${spec.srcDatasetVersion}`;
    const stats: RunStats = { created: 0, updated: 0, unchanged: 0, failed: 0, unnamed: 0, withAiTags: 0 };
    const ended = await deliver(
      this.jobs,
      { jobId: id, work: 'the import', delivery: ctx.dequeueCount },
      async () => {
        const version = await this.deps.store.getVersion(job.datasetId, job.versionName);
        if (!version) throw notFound('DatasetVersion', `${job.datasetId}/${job.versionName}`);
        const target: Target = { datasetId: job.datasetId, versionName: job.versionName, uri: version.uri };
        const attributes = importAttributesOf(spec.filteredAttributes);
        await this.jobs.log(id, 'INFO', `importing from ${from} into ${target.uri} (importMode ${spec.importMode})`);
        const batches = spec.manifestUri !== undefined ? this.manifestBatches(spec.manifestUri, target, attributes) : this.sourceBatches(spec, target, attributes);
        for await (const items of batches) {
          await this.apply(job, target, items, stats);
          if ((await this.deps.store.getJob(id))?.status !== 'Running') return undefined; // stopped: nothing more, nothing deleted
        }
        let deleted = 0;
        if (spec.importMode === 'replace') {
          if (stats.unnamed) {
            await this.jobs.log(id, 'WARN', `replace: ${stats.unnamed} lines could not be read (no Uri): nothing deleted, since they may name metas to keep; fix them and import again`);
          } else {
            deleted = await this.deps.store.markMetasNotInJobDeleted(id, target.datasetId, target.versionName, nowIso(this.deps));
          }
        }
        return { deleted };
      },
      async (reason) => {
        await this.jobs.fail(id, `the import from ${from} failed: ${reason}`);
        return undefined;
      },
    );
    if (!ended) return 'dropped';
    if (stats.withAiTags) {
      await this.jobs.log(id, 'INFO', `the AI tags of ${stats.withAiTags} lines were not imported: they belong to the IntelligentTag job that wrote them (run IntelligentTag on this version)`);
    }
    const j = (await this.deps.store.getJob(id))!;
    const now = nowIso(this.deps);
    const message =
      `imported ${j.completedFileCount} of ${j.totalFileCount} file metas from ${from}` +
      ` (this run: ${stats.created} created, ${stats.updated} updated, ${stats.unchanged} unchanged)` +
      (j.failedFileCount ? `; ${j.failedFileCount} failed (FailedFiles says why)` : '') +
      (spec.importMode === 'replace' && !stats.unnamed ? `; ${ended.deleted} metas the import did not name marked DELETED` : '');
    const status = finalStatus({ completed: j.completedFileCount, failed: j.failedFileCount });
    if (await this.deps.store.transitionJob(id, ['Running'], status, { finishTime: now, updateTime: now, message })) {
      await this.jobs.log(id, status === 'Succeeded' ? 'INFO' : 'WARN', `finished ${status}: ${message}`);
    }
    return 'done';
  }

  /** The export's lines, a batch at a time. A file that cannot be opened fails as one item (its name). */
  private async *manifestBatches(manifestUri: string, target: Target, attributes: PaiAttributes): AsyncGenerator<ImportItem[]> {
    const source = await openPaiExport(this.deps, manifestUri, 'JobSpec.manifestUri');
    for (const [i, file] of source.files.entries()) {
      let input: AsyncIterable<Uint8Array | string>;
      try {
        input = await source.store.openReadStream(file.uri);
      } catch (e) {
        if (!isDomainError(e) || !['NotFound', 'Forbidden', 'Invalid'].includes(e.kind)) throw e;
        // Its place in the manifest, not its name (the manifest's text): the kind of problem only.
        const problem = e.kind === 'NotFound' ? 'is not there' : e.kind === 'Forbidden' ? 'lies outside the allowed folders' : 'cannot be read';
        yield [{ key: `${PAI_MANIFEST_FILE}#${i + 1}`, ok: false, named: false, reason: `a file named by the manifest ${problem}: #${i + 1}` }];
        continue;
      }
      let batch: ImportItem[] = [];
      for await (const l of boundedLines(input)) {
        const where = `${file.name}:${l.n}`;
        batch.push(l.problem !== undefined ? { key: clip(where), ok: false, named: false, reason: `${where}: ${l.problem}` } : itemOfLine(l.text, where, target, attributes));
        if (batch.length >= this.batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    }
  }

  /** The source version's metas matching the query (as FileMetaExport reads them), a batch at a time. */
  private async *sourceBatches(spec: Spec, target: Target, attributes: PaiAttributes): AsyncGenerator<ImportItem[]> {
    // Checked again as the job runs: a share may have expired since the job was created.
    const workspace = (await this.deps.store.getDataset(target.datasetId))?.workspaceId || undefined;
    const source = await sourceOf(this.deps, spec, workspace);
    const { params, vector, limit } = await exportSearchOf(this.search, source.datasetId, source.versionName, { search: spec.query ?? {}, searchKey: 'query' });
    let remaining = limit ?? Infinity;
    let nextToken: string | undefined;
    do {
      const page = await this.search.search({ ...params, maxResults: vector ? MAX_TOP_K : Math.min(this.batchSize, remaining), nextToken });
      const metas = page.items.length > remaining ? page.items.slice(0, remaining) : page.items;
      remaining -= metas.length;
      for (let i = 0; i < metas.length; i += this.batchSize) yield metas.slice(i, i + this.batchSize).map((m) => itemOfMeta(m, target, attributes));
      nextToken = remaining > 0 ? page.nextToken : undefined;
    } while (nextToken);
  }

  /** One batch: registered as the job's items, applied, counted; failures logged (a bounded number). */
  private async apply(job: DatasetJob, target: Target, items: ImportItem[], stats: RunStats): Promise<void> {
    if (!items.length) return;
    const id = job.datasetJobId;
    // The last line naming a meta decides it (an earlier one is superseded, counted once).
    const last = new Map<string, ImportItem>();
    for (const item of items) {
      last.delete(item.key);
      last.set(item.key, item);
      if (item.ok && item.line.aiTags) stats.withAiTags++;
      if (!item.ok && !item.named) stats.unnamed++;
    }
    await this.deps.store.addJobItems(id, [...last.keys()]);
    const lines = new Map<string, ImportedLine>();
    const outcomes = new Map<string, FileOutcome>();
    for (const [key, item] of last) {
      if (item.ok) lines.set(key, item.line);
      else outcomes.set(key, { metaId: key, ok: false, reason: item.reason });
    }
    const now = nowIso(this.deps);
    const existing = new Map((await this.deps.store.getFileMetas([...lines.keys()])).map((m) => [m.datasetFileMetaId, m]));
    const toCreate = [...lines].filter(([key]) => (existing.get(key)?.status ?? 'DELETED') === 'DELETED');
    const written = toCreate.length ? await this.deps.store.createFileMetas(toCreate.map(([key, l]) => createdRow(job, target, key, l)), now) : [];
    const toUpdate = new Set([...lines.keys()].filter((key) => existing.get(key) && existing.get(key)!.status !== 'DELETED'));
    toCreate.forEach(([key], i) => {
      if (written[i]) {
        stats.created++;
        outcomes.set(key, { metaId: key, ok: true });
      } else toUpdate.add(key); // created meanwhile (a listing): updated instead
    });
    for (const key of toUpdate) {
      const seen = existing.get(key);
      const result = await this.update(key, seen?.status === 'DELETED' ? undefined : seen, lines.get(key)!, now);
      if (result === 'updated' || result === 'unchanged') {
        stats[result]++;
        outcomes.set(key, { metaId: key, ok: true });
      } else outcomes.set(key, { metaId: key, ok: false, reason: clip(`${lines.get(key)!.where}: ${result}`) });
    }
    await this.deps.store.recordOutcomes(id, [...outcomes.values()]);
    const failures = [...outcomes.values()].filter((o): o is Extract<FileOutcome, { ok: false }> => !o.ok);
    stats.failed += failures.length;
    await this.jobs.logMany(id, [
      ...failures.slice(0, LOGGED_FAILURES).map((f) => ({ level: 'WARN' as const, message: `failed ${f.reason}` })),
      ...(failures.length > LOGGED_FAILURES
        ? [{ level: 'WARN' as const, message: `… and ${failures.length - LOGGED_FAILURES} more failed lines in this batch (GetDatasetJob's FailedFiles lists them)` }]
        : []),
    ]);
  }

  /** An existing meta takes the line's people's fields; 'unchanged' when it has them already; otherwise why not. */
  private async update(key: string, first: FileMeta | undefined, l: ImportedLine, now: string): Promise<'updated' | 'unchanged' | string> {
    let m = first;
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      if (attempt > 0 || !m) m = await this.deps.store.getFileMeta(key);
      if (!m || m.status === 'DELETED') return 'the file meta was deleted while it was being imported: import again';
      const next: FileTags = { ai: m.tags.ai, user: l.user ?? m.tags.user, userDeleteAiTags: l.userDeleteAiTags ?? m.tags.userDeleteAiTags };
      const tagsChanged = !sameList(next.user, m.tags.user) || !sameList(next.userDeleteAiTags, m.tags.userDeleteAiTags);
      const patch: MetaAttributes = {};
      for (const [k, v] of Object.entries(l.metaAttributes ?? {})) if (JSON.stringify(m.metaAttributes[k] ?? null) !== JSON.stringify(v)) patch[k] = v;
      const commentChanged = l.comment !== undefined && l.comment !== m.comment;
      if (!tagsChanged && !Object.keys(patch).length && !commentChanged) return 'unchanged';
      const done = await this.deps.store.updateFileMetaContent(
        {
          datasetFileMetaId: key,
          expectedTags: m.tags,
          ...(tagsChanged ? { tags: next } : {}),
          ...(Object.keys(patch).length ? { metaAttributes: patch } : {}),
          ...(commentChanged ? { comment: l.comment } : {}),
        },
        now,
      );
      if (done) return 'updated';
    }
    return 'the file meta kept changing while it was being imported (a job is writing it): import again';
  }
}

/** The row CreateDatasetFileMetas' store operation writes for a line: the facts as stated (defaults where absent), PENDING. */
function createdRow(job: DatasetJob, target: Target, key: string, l: ImportedLine): CreatedFileRow {
  return {
    datasetFileMetaId: key,
    datasetId: target.datasetId,
    versionName: target.versionName,
    uri: l.uri,
    fileName: l.fileName,
    fileDir: l.fileDir,
    dataSize: l.dataSize ?? 0,
    fileFingerPrint: l.fileFingerPrint ?? '',
    fileCreateTime: l.fileCreateTime ?? null,
    // Absent: the job's creation, so that every delivery writes the same row.
    fileUpdateTime: l.fileUpdateTime ?? job.createTime,
    fileType: l.fileType ?? paiFileTypeOf(extensionOf(l.fileName), l.fileName),
    fileFormat: extensionOf(l.fileName),
    contentType: l.contentType ?? null,
    metaAttributes: l.metaAttributes ?? {},
    userTags: l.user ?? [],
    userDeleteAiTags: l.userDeleteAiTags ?? [],
    comment: l.comment ?? '',
  };
}

/** Where a Uri lands in the target version: its key, and its place, or why it cannot. */
function placed(target: Target, uri: string): { key: string; ok: true; uri: string; fileName: string; fileDir: string } | { key: string; ok: false; reason: string } {
  const under = objectUriUnder(target.uri, uri);
  if (!under.ok) return { key: fileMetaId(target.datasetId, target.versionName, uri), ok: false, reason: under.reason };
  const { fileName, fileDir } = splitUnderRoot(under.root, under.uri);
  return { key: fileMetaId(target.datasetId, target.versionName, under.uri), ok: true, uri: under.uri, fileName, fileDir };
}

class LineError extends Error {}

/** A line of PAI's layout (a file meta in PAI's wire shape; other keys ignored, null as absent) as an item. */
function itemOfLine(text: string, where: string, target: Target, attributes: PaiAttributes): ImportItem {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { key: clip(where), ok: false, named: false, reason: `${where}: not a JSON line` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { key: clip(where), ok: false, named: false, reason: `${where}: not a JSON object` };
  const raw = v as Record<string, unknown>;
  const uri = lineText(4096, 1).safeParse(raw.Uri);
  if (!uri.success) return { key: clip(where), ok: false, named: false, reason: `${where}: Uri: ${raw.Uri === undefined || raw.Uri === null ? 'missing' : kindOf(uri.error.issues[0]!)}` };
  const at = placed(target, uri.data);
  // The reason says what is wrong, never the line's text (an export may hold anything).
  if (!at.ok) return { key: at.key, ok: false, named: true, reason: clip(`${where}: ${at.reason.startsWith('Uri is malformed') ? 'Uri is malformed' : at.reason}`) };
  const keep = new Set<PaiExportAttribute>(attributes.keep);
  const given = (name: PaiExportAttribute) => (keep.has(name) && raw[name] !== null && raw[name] !== undefined ? raw[name] : undefined);
  const check = <T>(name: string, schema: z.ZodType<T>, value: unknown): T | undefined => {
    if (value === undefined) return undefined;
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    // Keys of the line's own (a MetaAttributes key) are its text: only positions are named.
    throw new LineError(`${name}${issue.path.filter((p) => typeof p === 'number').map((p) => `[${p}]`).join('')}: ${kindOf(issue)}`);
  };
  try {
    const line: ImportedLine = { uri: at.uri, where, fileName: at.fileName, fileDir: at.fileDir, aiTags: 0 };
    const tags = jsonOf('Tags', given('Tags'));
    if (tags !== undefined) {
      if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new LineError('Tags: not an object of tag groups');
      const groups = tags as Record<string, unknown>;
      if (attributes.tagGroups.includes('user')) line.user = unique(check('Tags.user', TagList, groups.user ?? undefined));
      if (attributes.tagGroups.includes('user-delete-ai-tags')) line.userDeleteAiTags = unique(check('Tags.user-delete-ai-tags', TagList, groups['user-delete-ai-tags'] ?? undefined));
      line.aiTags = Array.isArray(groups.ai) ? groups.ai.length : 0;
    }
    const attributesGiven = check('MetaAttributes', MetaAttributesInput, jsonOf('MetaAttributes', given('MetaAttributes')));
    if (attributesGiven) line.metaAttributes = peoplesAttributes(attributesGiven);
    line.comment = check('Comment', freeText(1024), given('Comment'));
    line.dataSize = check('DataSize', DataSize, given('DataSize'));
    line.fileFingerPrint = check('FileFingerPrint', lineText(256, 1), given('FileFingerPrint'));
    const created = check('FileCreateTime', IsoTime, given('FileCreateTime'));
    if (created !== undefined) line.fileCreateTime = isoOf(created);
    const updated = check('FileUpdateTime', IsoTime, given('FileUpdateTime'));
    if (updated !== undefined) line.fileUpdateTime = isoOf(updated);
    line.contentType = check('ContentType', ContentType, given('ContentType'));
    const fileType = check('FileType', lineText(128, 1), given('FileType'));
    if (fileType !== undefined) {
      line.fileType = paiFileType(fileType);
      if (line.fileType === undefined) throw new LineError(`FileType: not one of ${PAI_FILE_TYPES.join(', ')} (nor a MIME type of one)`);
    }
    for (const k of Object.keys(line) as Array<keyof ImportedLine>) if (line[k] === undefined) delete line[k];
    return { key: at.key, ok: true, line };
  } catch (e) {
    if (!(e instanceof LineError)) throw e;
    return { key: at.key, ok: false, named: true, reason: clip(`${where}: ${e.message}`) };
  }
}

/** A meta of the source dataset as an item (its values passed the API's checks when they were written). */
function itemOfMeta(m: FileMeta, target: Target, attributes: PaiAttributes): ImportItem {
  const at = placed(target, m.uri);
  if (!at.ok) return { key: at.key, ok: false, named: true, reason: clip(`${m.uri}: ${at.reason}`) };
  const keep = new Set<PaiExportAttribute>(attributes.keep);
  const line: ImportedLine = { uri: at.uri, where: at.uri, fileName: at.fileName, fileDir: at.fileDir, aiTags: m.tags.ai.length };
  if (keep.has('Tags') && attributes.tagGroups.includes('user')) line.user = m.tags.user;
  if (keep.has('Tags') && attributes.tagGroups.includes('user-delete-ai-tags')) line.userDeleteAiTags = m.tags.userDeleteAiTags;
  if (keep.has('Comment')) line.comment = m.comment;
  if (keep.has('MetaAttributes')) line.metaAttributes = peoplesAttributes(m.metaAttributes);
  if (keep.has('DataSize')) line.dataSize = m.dataSize;
  if (keep.has('FileFingerPrint') && m.fileFingerPrint) line.fileFingerPrint = m.fileFingerPrint;
  if (keep.has('FileCreateTime') && m.fileCreateTime) line.fileCreateTime = m.fileCreateTime;
  if (keep.has('FileUpdateTime')) line.fileUpdateTime = m.fileUpdateTime;
  if (keep.has('ContentType') && m.contentType) line.contentType = m.contentType;
  if (keep.has('FileType') && m.fileType) line.fileType = m.fileType;
  return { key: at.key, ok: true, line };
}

/**
 * The kind of problem an issue reports, without the value: a check's own message, less any quoted
 * part (a MetaAttributes key), or the expected type.
 */
function kindOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.message.replace(/\s*'[^']*'/g, '').replace(/\s*"[^"]*"/g, '');
}

const DataSize = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A field PAI writes as a JSON-encoded string (Tags, MetaAttributes), or the value itself. */
function jsonOf(name: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  if (!v.trim()) return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw new LineError(`${name}: not JSON`);
  }
}

/** MetaAttributes' keys people own (a probe measures the others), without nulls. */
function peoplesAttributes(a: MetaAttributes): MetaAttributes {
  return Object.fromEntries(Object.entries(a).filter(([k, v]) => !PROBE_ATTRIBUTE_KEYS.includes(k) && v !== null));
}

const isoOf = (s: string) => new Date(parseIsoInstant(s)!).toISOString();
const unique = (xs: string[] | undefined) => (xs === undefined ? undefined : [...new Set(xs)]);
const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const clip = (s: string) => (s.length > MAX_REASON ? `${s.slice(0, MAX_REASON - 1)}…` : s);
