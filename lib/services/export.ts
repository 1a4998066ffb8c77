// FileMetaExport: a search's results leave Loupe as training data — a manifest, a CSV or the GME
// fine-tune layout in a folder of an object store, or the next version of a logical dataset.
// Streams page by page (a million lines never sit in memory); every file appears atomically, and a
// logical version only once complete, so a stopped, failed or killed export publishes nothing. A
// folder export never destroys data (export-target.ts): it marks the folder as Loupe's before
// writing anything else, so a redelivered export recognises its own folder, starts over and
// overwrites what it made (idempotent).
import { isDomainError, invalid, notFound, withField } from '../domain/errors.js';
import { FileMetaExportSpec, type DatasetJob, type ExportMessage, type JobOutput, type JobStatus } from '../domain/job.js';
import { MAX_TOP_K } from '../dsl/parser.js';
import type { ObjectStore } from '../ports/object-store.js';
import { deliver, permanentCause } from './delivery-failures.js';
import { nowIso, type ServiceDeps } from './deps.js';
import {
  CSV_HEADER,
  csvRow,
  EXPORT_DESCRIPTION_FILE,
  EXPORT_FILE,
  EXPORT_GENERATOR,
  GME_IMAGES_FOLDER,
  gmeImagePath,
  gmeLine,
  logicalRefOf,
  manifestLine,
  type ExportedMeta,
  type LoupeFile,
} from './export-formats.js';
import { checkExportTarget, imagesEntryOf, type ExportTarget } from './export-target.js';
import { finalStatus, type JobService } from './jobs.js';
import { forEachLimit } from './parallel.js';
import type { BatchContext } from './probing.js';
import { searchParamsOf, WireSearch } from './search-request.js';
import type { SearchParams, SearchResult, SearchService } from './search.js';

/** Files read from the MetaStore per page. */
const PAGE_SIZE = 1000;
/** Output is handed to the object store in chunks of about this many characters. */
const CHUNK_CHARS = 256 * 1024;

/** The job was stopped, or its target vanished, while exporting: nothing is published. */
class ExportInterrupted extends Error {}

interface Counts {
  total: number;
  completed: number;
  failed: number;
}

/**
 * Checks an export's JobSpec when the job is created: the spec's shape, the search (checked without
 * running it, so a bad expression or a text query against an image-only index is a 400 now, not a
 * failed job later) and the target (a folder it may write into without destroying anything). Returns
 * the spec to store.
 */
export async function resolveExportSpec(
  deps: ServiceDeps,
  searchService: SearchService,
  datasetId: string,
  versionName: string,
  raw: Record<string, unknown>,
): Promise<FileMetaExportSpec> {
  const r = FileMetaExportSpec.safeParse(raw);
  if (!r.success) throw specError(r.error.issues[0]!, 'JobSpec');
  const spec = r.data;
  const search = WireSearch.safeParse(spec.search);
  if (!search.success) throw specError(search.error.issues[0]!, 'JobSpec.search');
  await searchService.check(exportSearchParams(datasetId, versionName, spec));
  if (spec.target === 'file') {
    const uri = spec.uri!.endsWith('/') ? spec.uri! : `${spec.uri}/`;
    try {
      deps.objects.forUri(uri);
    } catch (e) {
      throw isDomainError(e) ? withField(e, 'JobSpec.uri') : e;
    }
    const resolved = { ...spec, uri, ...(spec.format === 'gme' ? { images: spec.images ?? 'copy' } : {}) };
    await checkExportTarget(deps, resolved);
    return resolved;
  }
  const target = await deps.store.getDataset(spec.logicalDatasetId!);
  if (!target) throw invalid(`JobSpec.logicalDatasetId: dataset '${spec.logicalDatasetId}' not found`, 'JobSpec.logicalDatasetId');
  if (target.edition !== 'LOGICAL') {
    throw invalid(`JobSpec.logicalDatasetId: dataset '${target.datasetId}' is ${target.edition}, not LOGICAL`, 'JobSpec.logicalDatasetId');
  }
  return spec;
}

export class ExportService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
    private readonly search: SearchService,
  ) {}

  /** The exporter's step: runs the whole export of one job. */
  async run(msg: ExportMessage, ctx: BatchContext = { dequeueCount: 1 }): Promise<'done' | 'dropped'> {
    const job = await this.jobs.begin(msg.jobId, 'running: exporting');
    if (!job) return 'dropped';
    const spec = FileMetaExportSpec.parse(job.jobSpec);
    await this.jobs.log(job.datasetJobId, 'INFO', `exporting to ${spec.target === 'file' ? `${spec.uri} (${spec.format})` : `logical dataset ${spec.logicalDatasetId}`}`);
    const counts: Counts = { total: 0, completed: 0, failed: 0 };
    const where = spec.target === 'file' ? spec.uri : `logical dataset ${spec.logicalDatasetId}`;
    // A cause no redelivery cures (a folder that would lose a file, EACCES, a deleted version) fails the job now.
    const output = await deliver(
      this.jobs,
      { jobId: job.datasetJobId, work: 'the export', delivery: ctx.dequeueCount },
      async () => {
        try {
          return spec.target === 'file' ? await this.toFolder(job, spec, counts) : await this.toLogicalVersion(job, spec, counts);
        } catch (e) {
          if (!(e instanceof ExportInterrupted)) throw e;
          await this.jobs.log(job.datasetJobId, 'INFO', `export interrupted after ${counts.completed} files (${e.message}): nothing published`);
          await this.jobs.fail(job.datasetJobId, e.message); // no-op when the job was stopped
          return undefined;
        }
      },
      async (reason) => {
        await this.jobs.fail(job.datasetJobId, `export to ${where} failed: ${reason}`);
        return undefined;
      },
    );
    if (!output) return 'dropped';
    const now = nowIso(this.deps);
    // The first page's total may have moved while exporting (files added or deleted meanwhile).
    counts.total = counts.completed + counts.failed;
    await this.deps.store.setJobCounts(job.datasetJobId, counts, now);
    const ended = await this.deps.store.transitionJob(job.datasetJobId, ['Running'], finalStatus(counts), { finishTime: now, updateTime: now, output });
    if (ended) {
      const where = output.uri ?? `${output.datasetId}/${output.versionName}`;
      await this.jobs.log(
        job.datasetJobId,
        counts.failed ? 'WARN' : 'INFO',
        `finished: ${counts.completed} files exported to ${where}${counts.failed ? `, ${counts.failed} failed` : ''}`,
      );
    }
    return 'done';
  }

  /**
   * The search's results, a page at a time, with the total. A vector search is ranked once and
   * returned whole (at most TopK ≤ 10,000); a metadata search pages by keyset.
   */
  private async *pages(job: DatasetJob, spec: FileMetaExportSpec, counts: Counts): AsyncGenerator<ExportedMeta[], SearchResult['vector']> {
    const p = exportSearchParams(job.datasetId, job.versionName, spec);
    const vector = (await this.search.check(p)).vectorQuery;
    let nextToken: string | undefined;
    let first = true;
    let vectorInfo: SearchResult['vector'];
    do {
      const page = await this.search.search({ ...p, maxResults: vector ? MAX_TOP_K : PAGE_SIZE, nextToken });
      if (first) {
        counts.total = page.vector ? page.items.length : page.totalCount;
        vectorInfo = page.vector;
        first = false;
      }
      yield page.items;
      nextToken = page.nextToken;
      await this.checkpoint(job, counts);
    } while (nextToken);
    return vectorInfo;
  }

  /** Publishes progress; stops the export when the job is no longer running. */
  private async checkpoint(job: DatasetJob, counts: Counts): Promise<void> {
    await this.deps.store.setJobCounts(job.datasetJobId, { ...counts, total: Math.max(counts.total, counts.completed + counts.failed) }, nowIso(this.deps));
    const now = await this.deps.store.getJob(job.datasetJobId);
    if (now?.status !== 'Running') throw new ExportInterrupted(`the job is ${now?.status ?? 'gone'}`);
  }

  /**
   * Writes the folder: the in-progress marker first (the folder is Loupe's from then on, and a
   * redelivery recognises it), the results, then the final marker. An export that ends without
   * publishing (stopped, or failed for good) puts the folder back as it found it.
   */
  private async toFolder(job: DatasetJob, spec: FileMetaExportSpec, counts: Counts): Promise<JobOutput> {
    // Files may have appeared since the job was created; a refusal now is for good (not a passing conflict).
    const checked = await checkExportTarget(this.deps, spec, job.datasetJobId).catch((e: unknown) => {
      throw isDomainError(e) && e.kind === 'Conflict' ? invalid(e.message, e.field) : e;
    });
    const marker: MarkerOf = (status, { Files = checked.files, written = [], ...more } = {}) =>
      JSON.stringify(
        {
          Generator: EXPORT_GENERATOR,
          DatasetJobId: job.datasetJobId,
          Status: status,
          DatasetId: job.datasetId,
          VersionName: job.versionName,
          Format: spec.format,
          ...(spec.format === 'gme' ? { Images: spec.images === 'reference' ? 'reference' : 'copy' } : {}),
          Search: spec.search,
          ...more,
          Files,
          LoupeFiles: [...checked.loupeFiles.filter((f) => !written.some((w) => w.Name === f.Name)), ...written],
        },
        null,
        2,
      ) + '\n';
    const copies = { started: false };
    await checked.store.write(checked.folder + EXPORT_DESCRIPTION_FILE, marker('Running'));
    try {
      return await this.writeFolder(job, spec, counts, checked, copies, marker);
    } catch (e) {
      if (e instanceof ExportInterrupted || permanentCause(e) !== undefined) {
        const status = e instanceof ExportInterrupted ? ((await this.deps.store.getJob(job.datasetJobId))?.status ?? 'Failed') : 'Failed';
        // Copies were made: the folder stays Loupe's, its images/ recorded as it is now (when it can be
        // listed; otherwise its old entry no longer matches, and the copies count as the user's).
        const images = copies.started ? await imagesEntryOf(checked.store, checked.folder).catch(() => undefined) : undefined;
        await unpublish(checked, copies.started && marker(status, { Files: [GME_IMAGES_FOLDER, EXPORT_DESCRIPTION_FILE], written: images ? [images] : [] }));
      }
      throw e;
    }
  }

  private async writeFolder(
    job: DatasetJob,
    spec: FileMetaExportSpec,
    counts: Counts,
    checked: ExportTarget,
    copies: { started: boolean },
    marker: MarkerOf,
  ): Promise<JobOutput> {
    const folder = checked.folder;
    const format = spec.format!;
    const target = checked.store;
    const copyImages = format === 'gme' && spec.images !== 'reference';
    const pages = this.pages(job, spec, counts);
    let vectorInfo: SearchResult['vector'];
    const self = this;
    async function* chunks(): AsyncGenerator<string> {
      let buf = format === 'csv' ? CSV_HEADER : '';
      for (;;) {
        const next = await pages.next();
        if (next.done) {
          vectorInfo = next.value;
          break;
        }
        let metas = next.value;
        if (copyImages) {
          copies.started = true;
          metas = await self.copyImages(job, metas, target, folder, spec.concurrency, counts);
        }
        for (const m of metas) {
          buf += format === 'manifest' ? manifestLine(m) : format === 'csv' ? csvRow(m) : gmeLine(m, copyImages ? gmeImagePath(m) : m.uri);
          if (buf.length >= CHUNK_CHARS) {
            yield buf;
            buf = '';
          }
        }
        counts.completed += metas.length;
      }
      if (buf) yield buf;
    }
    await target.write(folder + EXPORT_FILE[format], chunks());
    // What the store reports now is what a later export must still find to replace these files.
    const written: LoupeFile[] = [{ Name: EXPORT_FILE[format], ETag: (await target.head(folder + EXPORT_FILE[format])).etag }];
    if (copyImages) written.push(await imagesEntryOf(target, folder));
    const final = marker(finalStatus(counts), {
      written,
      ...(vectorInfo ? { VectorSearch: { TopK: vectorInfo.topK, Returned: vectorInfo.returned, IndexName: vectorInfo.indexName, EmbedderId: vectorInfo.embedderId } } : {}),
      ExportTime: nowIso(this.deps),
      FileCount: counts.completed,
      FailedFileCount: counts.failed,
    });
    await target.write(folder + EXPORT_DESCRIPTION_FILE, final);
    return { uri: folder, files: checked.files, fileCount: counts.completed };
  }

  /**
   * Copies a page's images into `images/`; returns the files copied. A source that is gone, or whose
   * bytes are no longer those indexed (its ETag differs from the fingerprint), fails that file (logged,
   * left out of the layout); any other error stops the export.
   */
  private async copyImages(job: DatasetJob, metas: ExportedMeta[], target: ObjectStore, folder: string, concurrency: number, counts: Counts): Promise<ExportedMeta[]> {
    const results: Array<string | undefined> = [];
    await forEachLimit([...metas.keys()], concurrency, async (i) => {
      const m = metas[i]!;
      const to = folder + gmeImagePath(m);
      const source = this.deps.objects.forUri(m.uri);
      const ifMatch = { ifMatch: m.fileFingerPrint };
      try {
        if (source === target) await target.copy(m.uri, to, ifMatch);
        else await target.write(to, await source.openReadStream(m.uri, ifMatch));
      } catch (e) {
        if (!isDomainError(e) || (e.kind !== 'NotFound' && e.kind !== 'Conflict')) throw e;
        results[i] = `${m.uri}: ${e.kind === 'NotFound' ? 'source gone' : 'changed since it was indexed'}`;
      }
    });
    const failed = metas.flatMap((m, i) => (results[i] ? [{ metaId: m.datasetFileMetaId, ok: false as const, reason: results[i]! }] : []));
    if (failed.length) {
      await this.deps.store.addJobItems(job.datasetJobId, failed.map((f) => f.metaId));
      await this.deps.store.recordOutcomes(job.datasetJobId, failed);
      await this.jobs.logMany(job.datasetJobId, failed.map((f) => ({ level: 'WARN' as const, message: `failed ${f.reason}` })));
      counts.failed += failed.length;
    }
    return metas.filter((_, i) => !results[i]);
  }

  private async toLogicalVersion(job: DatasetJob, spec: FileMetaExportSpec, counts: Counts): Promise<JobOutput> {
    const datasetId = spec.logicalDatasetId!;
    if (!(await this.deps.store.getDataset(datasetId))) throw notFound('Dataset', datasetId);
    const versionName = await this.deps.store.reserveLogicalVersion(datasetId, job.datasetJobId, spec.versionDescription ?? '', nowIso(this.deps));
    try {
      await this.deps.store.clearLogicalRefs(datasetId, versionName); // a re-run starts over
      let seq = 0;
      for await (const metas of this.pages(job, spec, counts)) {
        await this.deps.store.putLogicalRefs(datasetId, versionName, metas.map((m) => ({ ...logicalRefOf(m), seq: seq++ })));
        counts.completed += metas.length;
      }
      if (!(await this.deps.store.publishLogicalVersion(datasetId, versionName, job.datasetJobId, nowIso(this.deps)))) {
        throw new ExportInterrupted(`logical dataset ${datasetId} or its version ${versionName} was deleted meanwhile`);
      }
    } catch (e) {
      if (e instanceof ExportInterrupted || isDomainError(e)) await this.deps.store.discardLogicalVersion(datasetId, versionName, job.datasetJobId);
      throw e;
    }
    return { datasetId, versionName, fileCount: counts.completed };
  }
}

/**
 * The text of the folder's `export.json` for a job status; `more` adds fields, may say which Files,
 * and which files this export has `written` (their entries replace the earlier ones in LoupeFiles).
 */
type MarkerOf = (status: JobStatus, more?: Record<string, unknown> & { Files?: string[]; written?: LoupeFile[] }) => string;

/**
 * Puts a folder back as the export found it: the previous export's marker, or no marker at all. When
 * images were copied meanwhile, `copiedMarker` replaces it instead: the folder stays marked as Loupe's
 * (no longer Running), so that a later export may replace those copies.
 */
async function unpublish(target: ExportTarget, copiedMarker: string | false) {
  const uri = target.folder + EXPORT_DESCRIPTION_FILE;
  try {
    if (copiedMarker) await target.store.write(uri, copiedMarker);
    else if (target.previous) await target.store.write(uri, target.previous.text);
    else await target.store.delete(uri);
  } catch {
    // The folder cannot be written (the reason the export failed): the marker stays, naming the job.
  }
}

function exportSearchParams(datasetId: string, versionName: string, spec: FileMetaExportSpec): SearchParams {
  const { QueryImage, ...rest } = WireSearch.parse(spec.search);
  return searchParamsOf(datasetId, { ...rest, DatasetVersion: versionName, MaxResults: PAGE_SIZE }, QueryImage ? { uri: QueryImage } : undefined);
}

function specError(issue: { path: PropertyKey[]; message: string }, prefix: string) {
  const where = issue.path.length ? `${prefix}.${issue.path.map(String).join('.')}` : prefix;
  return invalid(`${where}: ${issue.message}`, where);
}
