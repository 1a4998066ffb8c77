// FileMetaExport: a search's results leave Loupe as training data — PAI's layout (a new
// `{datasetId}-{version}-{time}/` folder with its YAML manifest and JSON lines of PAI's file metas), a
// manifest, a CSV or the GME fine-tune layout in a folder of an object store, or the next version of a
// logical dataset. Streams page by page (a million lines never sit in memory); every file appears
// atomically, and a logical version only once complete, so a stopped, failed or killed export
// publishes nothing. A folder export never destroys data (export-target.ts): it marks the folder as
// Loupe's before writing anything else, so a redelivered export recognises its own folder, starts over
// and overwrites what it made (idempotent).
import { isDomainError, invalid, notFound, withField } from '../domain/errors.js';
import { datasetIn } from './dataset-access.js';
import { mergedRanges, type Selection } from '../domain/selection.js';
import { exportPlanOf, FileMetaExportSpec, type DatasetJob, type ExportMessage, type ExportPlan, type JobOutput, type JobStatus } from '../domain/job.js';
import { MAX_TOP_K, parseQuery } from '../dsl/parser.js';
import type { ObjectStore } from '../ports/object-store.js';
import { deliver, permanentCause } from './delivery-failures.js';
import { nowIso, type ServiceDeps } from './deps.js';
import {
  CSV_HEADER,
  csvRow,
  EXPORT_DESCRIPTION_FILE,
  EXPORT_FILE,
  EXPORT_GENERATOR,
  exportFilesOf,
  GME_IMAGES_FOLDER,
  gmeImagePath,
  gmeLine,
  logicalRefOf,
  manifestLine,
  PAI_LINES_PER_FILE,
  PAI_MANIFEST_FILE,
  paiExportFolderName,
  paiLine,
  paiLinesFile,
  paiAttributeNames,
  paiManifestYaml,
  type ExportedMeta,
  type LoupeFile,
} from './export-formats.js';
import { checkExportTarget, imagesEntryOf, type ExportTarget, type TargetSpec } from './export-target.js';
import { finalStatus, type JobService } from './jobs.js';
import { forEachLimit } from './parallel.js';
import type { BatchContext } from './probing.js';
import { searchParamsOf, WireSearch } from './search-request.js';
import { DEFAULT_TOP_K, type SearchParams, type SearchResult, type SearchService } from './search.js';
import { SelectionChooser, type SelectionService } from './selection.js';

/** Files read from the MetaStore per page. */
const PAGE_SIZE = 1000;
/** Output is handed to the object store in chunks of about this many characters. */
const CHUNK_CHARS = 256 * 1024;
/** The most a row limit (TopK of a metadata search) may say. */
const MAX_ROW_LIMIT = Number.MAX_SAFE_INTEGER;

/** The job was stopped, or its target vanished, while exporting: nothing is published. */
class ExportInterrupted extends Error {}

interface Counts {
  total: number;
  completed: number;
  failed: number;
}

/**
 * An export's search, as it runs: the search's parameters, whether it is ranked by a vector query,
 * and the most rows it exports. `TopK` means what PAI's export means: the most rows exported (every
 * match when absent). A text or image query is ranked once, so there TopK is also the vector search's
 * (at most MAX_TOP_K, which is also the default: PAI's "all" as far as a ranking goes); a metadata
 * search exports its first TopK rows in its order. (FileMetaImport reads another dataset's metas
 * through the same search: its `query` means the same.)
 */
export async function exportSearchOf(
  searchService: SearchService,
  datasetId: string,
  versionName: string,
  plan: Pick<ExportPlan, 'search' | 'searchKey' | 'selection'>,
): Promise<{ params: SearchParams; vector: boolean; limit?: number }> {
  const key = `JobSpec.${plan.searchKey}`;
  const { TopK, ...rest } = listRequestFieldsDropped(plan.search, versionName, key);
  if (TopK !== undefined && (typeof TopK !== 'number' || !Number.isInteger(TopK) || TopK < 1 || TopK > MAX_ROW_LIMIT)) {
    throw invalid(`${key}.TopK: the most rows to export, a positive integer (got ${JSON.stringify(TopK)})`, `${key}.TopK`);
  }
  const search = WireSearch.safeParse(rest);
  if (!search.success) throw specError(search.error.issues[0]!, key);
  const { QueryImage, ...wire } = search.data;
  const params = searchParamsOf(datasetId, { ...wire, DatasetVersion: versionName, MaxResults: PAGE_SIZE }, QueryImage ? { uri: QueryImage } : undefined);
  const { vectorQuery } = await searchService.check(params);
  if (!vectorQuery) return { params, vector: false, ...(TopK !== undefined ? { limit: TopK } : {}) };
  if (TopK !== undefined && TopK > MAX_TOP_K) {
    throw invalid(`${key}.TopK: at most ${MAX_TOP_K} with a text or image query (the most a ranked search returns); got ${TopK}`, `${key}.TopK`);
  }
  // The expression may say TopK itself (checked above): it stands unless TopK is given too.
  const fromExpression = params.expression !== undefined ? parseQuery(params.expression).topK : undefined;
  // A selection's indexes are the console's: of the ranking ListDatasetFileMetas returned, TopK 100 by default.
  const topK = TopK ?? fromExpression ?? (plan.selection ? DEFAULT_TOP_K : MAX_TOP_K);
  return { params: { ...params, topK }, vector: true, limit: topK };
}

/** How a page of ListDatasetFileMetas was asked for: nothing an export's search means. */
const PAGING_FIELDS = ['MaxResults', 'PageSize', 'PageNumber', 'NextToken', 'ThumbnailMode'];

/**
 * A search given as the console's list request (what a selection is made over): nulls stand for
 * absent fields, paging is no part of the search, and DatasetVersion, when given, must be the job's.
 */
function listRequestFieldsDropped(search: Record<string, unknown>, versionName: string, key: string): Record<string, unknown> {
  const version = search.DatasetVersion;
  if (version !== undefined && version !== null && version !== versionName) {
    throw invalid(`${key}.DatasetVersion: the search reads the job's version (${versionName}), not '${String(version)}'`, `${key}.DatasetVersion`);
  }
  return Object.fromEntries(Object.entries(search).filter(([k, v]) => v !== null && k !== 'DatasetVersion' && !PAGING_FIELDS.includes(k)));
}

/**
 * Checks an export's JobSpec when the job is created: the spec's shape, the search (checked without
 * running it, so a bad expression or a text query against an image-only index is a 400 now, not a
 * failed job later) and the target (a folder it may write into without destroying anything). Returns
 * the spec to store: as given, the folder ending with `/`.
 */
export async function resolveExportSpec(
  deps: ServiceDeps,
  searchService: SearchService,
  datasetId: string,
  versionName: string,
  raw: Record<string, unknown>,
  /** The exported dataset's workspace (undefined: none): a logical target must be one it may write. */
  workspace?: string,
): Promise<FileMetaExportSpec> {
  if (raw.outputDirUri !== undefined) throw invalid('JobSpec.outputDirUri: chosen by Loupe when the job is created, not given', 'JobSpec.outputDirUri');
  const r = FileMetaExportSpec.safeParse(raw);
  if (!r.success) throw specError(r.error.issues[0]!, 'JobSpec');
  const spec = r.data;
  const plan = exportPlanOf(spec);
  await exportSearchOf(searchService, datasetId, versionName, plan);
  if (plan.target === 'file') {
    const dir = plan.dir!.endsWith('/') ? plan.dir! : `${plan.dir}/`;
    const field = `JobSpec.${plan.dirKey}`;
    try {
      deps.objects.forUri(dir);
    } catch (e) {
      throw isDomainError(e) ? withField(e, field) : e;
    }
    const resolved: FileMetaExportSpec = { ...spec, [plan.dirKey]: dir, ...(plan.format === 'gme' ? { images: plan.images } : {}) };
    if (plan.format !== 'pai') {
      await checkExportTarget(deps, targetOf({ ...plan, dir }, datasetId, versionName, nowIso(deps)));
      return resolved;
    }
    return { ...resolved, outputDirUri: await choosePaiFolder(deps, { ...plan, dir }, datasetId, versionName) };
  }
  const field = 'JobSpec.logicalDatasetId';
  // Only a dataset of the exporting dataset's own workspace: one of another workspace is not found, one
  // only shared to it is read-only (403), exactly as for a request naming that workspace.
  const target = await datasetIn(deps, plan.logicalDatasetId!, workspace, 'own').catch((e: unknown) => {
    if (isDomainError(e) && e.kind === 'NotFound') throw invalid(`${field}: dataset '${plan.logicalDatasetId}' not found`, field);
    throw isDomainError(e) ? withField(e, field) : e;
  });
  if (target.edition !== 'LOGICAL') {
    throw invalid(`JobSpec.logicalDatasetId: dataset '${target.datasetId}' is ${target.edition}, not LOGICAL`, 'JobSpec.logicalDatasetId');
  }
  return spec;
}

/** How many seconds after now PAI's layout looks for a free folder name before giving up. */
const PAI_FOLDER_TRIES = 30;
/**
 * Folders chosen in this process lately, with when: a job is stored only after its spec is resolved,
 * so two exports created at once would otherwise both find the same folder free.
 */
const recentlyChosen = new Map<string, number>();
const CHOICE_MEMORY_MS = 60_000;

/**
 * PAI's layout: the new folder, `{datasetId}-{version}-{yyyy-MM-dd-HH-mm-ss}/` of now; when another
 * export has it (made, or to be made by a job not yet finished: two exports created in one second),
 * the next free second's. Checked as any target (never inside a dataset, empty or absent).
 */
async function choosePaiFolder(deps: ServiceDeps, plan: ExportPlan, datasetId: string, versionName: string): Promise<string> {
  const reserved = new Set<string>();
  for (const status of ['Pending', 'Running'] as const) {
    const jobs = await deps.store.listJobs({ datasetId, jobAction: 'FileMetaExport', status, maxResults: 1000 });
    for (const j of jobs.items) {
      const r = FileMetaExportSpec.safeParse(j.jobSpec);
      if (r.success && r.data.outputDirUri) reserved.add(r.data.outputDirUri);
    }
  }
  const now = deps.clock.now().getTime();
  for (const [folder, at] of recentlyChosen) if (Math.abs(now - at) > CHOICE_MEMORY_MS) recentlyChosen.delete(folder);
  let busy: unknown;
  for (let i = 0; i < PAI_FOLDER_TRIES; i++) {
    const target = targetOf(plan, datasetId, versionName, new Date(now + i * 1000).toISOString());
    if (reserved.has(target.folder) || recentlyChosen.has(target.folder)) continue;
    recentlyChosen.set(target.folder, now); // claimed before the first await: no other creation takes it meanwhile
    try {
      await checkExportTarget(deps, target);
      return target.folder;
    } catch (e) {
      recentlyChosen.delete(target.folder);
      if (!isDomainError(e) || e.kind !== 'Conflict') throw e;
      busy = e;
    }
  }
  throw busy ?? invalid(`JobSpec.${plan.dirKey}: ${PAI_FOLDER_TRIES} exports of this version are under way into '${plan.dir}': wait for one to end`, `JobSpec.${plan.dirKey}`);
}

/**
 * Where a file export writes: the folder given, or for PAI's layout the new folder inside it (chosen
 * when the job was created, so that a redelivery finds the folder it began; else named after `time`).
 */
function targetOf(plan: ExportPlan, datasetId: string, versionName: string, time: string): TargetSpec {
  const field = `JobSpec.${plan.dirKey}`;
  if (plan.format === 'pai') {
    const folder = plan.outputDir ?? plan.dir! + paiExportFolderName(datasetId, versionName, time);
    return { folder, files: [PAI_MANIFEST_FILE, EXPORT_DESCRIPTION_FILE], overwrite: false, field, fresh: true };
  }
  const format = plan.format!;
  return { folder: plan.dir!, files: exportFilesOf(format, format === 'gme' && plan.images !== 'reference'), overwrite: plan.overwrite, field };
}

export class ExportService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
    private readonly search: SearchService,
    private readonly selection: SelectionService,
  ) {}

  /** Lines per JSON-lines file of PAI's layout (tests lower it to see several files). */
  paiLinesPerFile = PAI_LINES_PER_FILE;

  /** The exporter's step: runs the whole export of one job. */
  async run(msg: ExportMessage, ctx: BatchContext = { dequeueCount: 1 }): Promise<'done' | 'dropped'> {
    const job = await this.jobs.begin(msg.jobId, 'running: exporting');
    if (!job) return 'dropped';
    const spec = exportPlanOf(FileMetaExportSpec.parse(job.jobSpec));
    const where = spec.target === 'file' ? spec.dir : `logical dataset ${spec.logicalDatasetId}`;
    await this.jobs.log(job.datasetJobId, 'INFO', `exporting to ${where}${spec.format ? ` (${spec.format === 'pai' ? "PAI's layout" : spec.format})` : ''}`);
    const counts: Counts = { total: 0, completed: 0, failed: 0 };
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
   * returned whole (at most TopK ≤ 10,000); a metadata search pages by keyset, up to its TopK rows.
   */
  private async *pages(job: DatasetJob, spec: ExportPlan, counts: Counts): AsyncGenerator<ExportedMeta[], SearchResult['vector']> {
    const { params: p, vector, limit } = await exportSearchOf(this.search, job.datasetId, job.versionName, spec);
    if (spec.selection && !vector) {
      yield* this.selectedPages(job, p, spec.selection, limit, counts);
      return undefined;
    }
    // A ranked search is walked whole (at most TopK results), its selection decided result by result.
    const chooser = spec.selection ? new SelectionChooser(spec.selection) : undefined;
    let index = 0;
    let remaining = limit ?? Infinity;
    let nextToken: string | undefined;
    let first = true;
    let vectorInfo: SearchResult['vector'];
    do {
      const page = await this.search.search({ ...p, maxResults: vector ? MAX_TOP_K : Math.min(PAGE_SIZE, remaining), nextToken });
      const items = page.items.length > remaining ? page.items.slice(0, remaining) : page.items;
      const kept = chooser ? items.filter((m) => chooser.choose(m.datasetFileMetaId, index++)) : items;
      if (first) {
        // A ranked search comes whole in its first page.
        counts.total = page.vector ? kept.length : Math.min(page.totalCount, remaining);
        vectorInfo = page.vector;
        first = false;
      }
      remaining -= items.length;
      yield kept;
      nextToken = remaining > 0 ? page.nextToken : undefined;
      await this.checkpoint(job, counts);
    } while (nextToken);
    return vectorInfo;
  }

  /**
   * A metadata search's selected files, a page at a time: the selection is resolved on ids (a walk of
   * the results that reads no row), then the metas of those selected are read, in the same order.
   */
  private async *selectedPages(job: DatasetJob, p: SearchParams, selection: Selection, limit: number | undefined, counts: Counts): AsyncGenerator<ExportedMeta[]> {
    // Progress is shown against how many are selected (counted on ids: cheap); under a row limit,
    // against what the selection names at most. The final count is what was exported.
    counts.total =
      limit === undefined
        ? (await this.selection.resolve(p, selection, 0)).totalCount
        : Math.min(limit, selection.all ? limit : mergedRanges(selection.ranges).reduce((n, [a, b]) => n + b - a + 1, 0) + (selection.included?.length ?? 0));
    for await (const ids of this.selection.selectedIds(p, selection, { limit })) {
      for (let i = 0; i < ids.length; i += PAGE_SIZE) {
        const chunk = ids.slice(i, i + PAGE_SIZE);
        const byId = new Map((await this.deps.store.getFileMetas(chunk)).map((m) => [m.datasetFileMetaId, m]));
        yield chunk.flatMap((id) => {
          const m = byId.get(id);
          return m ? [m] : [];
        });
        await this.checkpoint(job, counts);
      }
    }
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
  private async toFolder(job: DatasetJob, spec: ExportPlan, counts: Counts): Promise<JobOutput> {
    // Files may have appeared since the job was created; a refusal now is for good (not a passing conflict).
    const checked = await checkExportTarget(this.deps, targetOf(spec, job.datasetId, job.versionName, job.createTime), job.datasetJobId).catch((e: unknown) => {
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
          ...(spec.attributes ? { FilteredAttributes: paiAttributeNames(spec.attributes) } : {}),
          Search: spec.search,
          ...more,
          Files,
          LoupeFiles: [...checked.loupeFiles.filter((f) => !written.some((w) => w.Name === f.Name)), ...written],
        },
        null,
        2,
      ) + '\n';
    const copies = { started: false };
    /** PAI's layout: the files of lines this delivery wrote (taken back if it publishes nothing). */
    const parts: LoupeFile[] = [];
    await checked.store.write(checked.folder + EXPORT_DESCRIPTION_FILE, marker('Running'));
    try {
      return spec.format === 'pai' ? await this.writePaiFolder(job, spec, counts, checked, parts, marker) : await this.writeFolder(job, spec, counts, checked, copies, marker);
    } catch (e) {
      if (e instanceof ExportInterrupted || permanentCause(e) !== undefined) {
        await takeBack(checked, parts);
        const status = e instanceof ExportInterrupted ? ((await this.deps.store.getJob(job.datasetJobId))?.status ?? 'Failed') : 'Failed';
        // Copies were made: the folder stays Loupe's, its images/ recorded as it is now (when it can be
        // listed; otherwise its old entry no longer matches, and the copies count as the user's).
        const images = copies.started ? await imagesEntryOf(checked.store, checked.folder).catch(() => undefined) : undefined;
        await unpublish(checked, copies.started && marker(status, { Files: [GME_IMAGES_FOLDER, EXPORT_DESCRIPTION_FILE], written: images ? [images] : [] }));
      }
      throw e;
    }
  }

  /**
   * PAI's layout: the lines in files of at most paiLinesPerFile lines each (streamed: a file is
   * written while the search pages in), then the manifest naming them, then the final marker.
   */
  private async writePaiFolder(job: DatasetJob, spec: ExportPlan, counts: Counts, checked: ExportTarget, parts: LoupeFile[], marker: MarkerOf): Promise<JobOutput> {
    const { folder, store } = checked;
    const pages = this.pages(job, spec, counts);
    const perFile = this.paiLinesPerFile;
    let vectorInfo: SearchResult['vector'];
    // One file meta at a time, pulled from the pages.
    let page: ExportedMeta[] = [];
    let at = 0;
    const next = async (): Promise<ExportedMeta | undefined> => {
      while (at >= page.length) {
        const r = await pages.next();
        if (r.done) {
          vectorInfo = r.value;
          return undefined;
        }
        page = r.value;
        at = 0;
      }
      return page[at++];
    };
    const files: Array<{ name: string; count: number }> = [];
    const cursor = { meta: await next() };
    while (cursor.meta !== undefined) {
      const name = paiLinesFile(files.length);
      const file = { name, count: 0 };
      async function* lines(): AsyncGenerator<string> {
        let buf = '';
        while (cursor.meta !== undefined && file.count < perFile) {
          buf += paiLine(cursor.meta, spec.attributes);
          file.count++;
          counts.completed++;
          cursor.meta = await next();
          if (buf.length >= CHUNK_CHARS) {
            yield buf;
            buf = '';
          }
        }
        if (buf) yield buf;
      }
      await store.write(folder + name, lines());
      // What the store reports now is what taking the file back, or a later check, must still find.
      parts.push({ Name: name, ETag: (await store.head(folder + name)).etag });
      files.push(file);
    }
    const manifest = paiManifestYaml({
      datasetId: job.datasetId,
      datasetVersion: job.versionName,
      datasetJobId: job.datasetJobId,
      exportTime: nowIso(this.deps),
      query: spec.search,
      ...(spec.attributes ? { attributes: spec.attributes } : {}),
      files,
    });
    await store.write(folder + PAI_MANIFEST_FILE, manifest);
    const written: LoupeFile[] = [...parts, { Name: PAI_MANIFEST_FILE, ETag: (await store.head(folder + PAI_MANIFEST_FILE)).etag }];
    const all = [...files.map((f) => f.name), PAI_MANIFEST_FILE, EXPORT_DESCRIPTION_FILE];
    const final = marker(finalStatus(counts), {
      Files: all,
      written,
      ...(vectorInfo ? { VectorSearch: { TopK: vectorInfo.topK, Returned: vectorInfo.returned, IndexName: vectorInfo.indexName, EmbedderId: vectorInfo.embedderId } } : {}),
      ExportTime: nowIso(this.deps),
      FileCount: counts.completed,
      FailedFileCount: counts.failed,
    });
    await store.write(folder + EXPORT_DESCRIPTION_FILE, final);
    return { uri: folder, files: all, fileCount: counts.completed };
  }

  private async writeFolder(
    job: DatasetJob,
    spec: ExportPlan,
    counts: Counts,
    checked: ExportTarget,
    copies: { started: boolean },
    marker: MarkerOf,
  ): Promise<JobOutput> {
    const folder = checked.folder;
    const format = spec.format as Exclude<ExportPlan['format'], 'pai' | undefined>;
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

  private async toLogicalVersion(job: DatasetJob, spec: ExportPlan, counts: Counts): Promise<JobOutput> {
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

/**
 * Takes back the files of lines a PAI-layout export wrote before it stopped or failed for good (each
 * only while it is still the one written: a file changed since is someone's).
 */
async function takeBack(target: ExportTarget, parts: LoupeFile[]) {
  for (const p of parts) {
    try {
      if ((await target.store.head(target.folder + p.Name)).etag === p.ETag) await target.store.delete(target.folder + p.Name);
    } catch {
      // Gone already, or the folder cannot be written (the reason the export failed): left as it is.
    }
  }
}

function specError(issue: { path: PropertyKey[]; message: string }, prefix: string) {
  const where = issue.path.length ? `${prefix}.${issue.path.map(String).join('.')}` : prefix;
  return invalid(`${where}: ${issue.message}`, where);
}
