// Scheduled reindex: datasets opt in with a setting (job mode, actions, version); the reindex trigger
// (an FC timer, or the local schedule) calls runScheduled, which starts each opted-in dataset's jobs
// exactly as CreateDatasetJob would. One dataset's trouble never stops the others.
import { DomainError, isDomainError, notFound, invalid } from '../domain/errors.js';
import type { DatasetJob, JobMode } from '../domain/job.js';
import type { ReindexAction, ReindexSetting } from '../domain/reindex.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobSpecs } from './job-specs.js';
import type { JobService } from './jobs.js';

export interface ReindexSettingInput {
  jobMode: JobMode;
  actions: Array<{ jobAction: ReindexAction; jobSpec?: Record<string, unknown> }>;
  /** Absent: the dataset's newest version at each run. */
  versionName?: string;
}

export interface ReindexRunSummary {
  started: Array<{ datasetId: string; jobAction: ReindexAction; jobId: string }>;
  skipped: Array<{ datasetId: string; jobAction: ReindexAction; reason: string }>;
}

const PAGE = 100;

export class ReindexService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly specs: JobSpecs,
    private readonly jobs: JobService,
  ) {}

  async get(datasetId: string): Promise<ReindexSetting> {
    if (!(await this.deps.store.getDataset(datasetId))) throw notFound('Dataset', datasetId);
    const s = await this.deps.store.getReindexSetting(datasetId);
    if (!s) throw notFound('ReindexConfig of dataset', datasetId);
    return s;
  }

  /** Opts a dataset in (or replaces its setting), after checking every action as CreateDatasetJob would. */
  async put(datasetId: string, input: ReindexSettingInput): Promise<ReindexSetting> {
    const dataset = await this.deps.store.getDataset(datasetId);
    if (!dataset) throw notFound('Dataset', datasetId);
    if (dataset.edition === 'LOGICAL') throw invalid('a LOGICAL dataset has no storage to reindex; its versions are made by exports', 'DatasetId');
    if (input.versionName !== undefined && !(await this.deps.store.hasVersion(datasetId, input.versionName))) {
      throw notFound('DatasetVersion', `${datasetId}/${input.versionName}`);
    }
    if (!input.actions.length) throw invalid('Actions: give at least one action', 'Actions');
    const seen = new Set<ReindexAction>();
    for (const [i, a] of input.actions.entries()) {
      // Two jobs of one action on one version conflict: the second would never start.
      if (seen.has(a.jobAction)) throw invalid(`Actions.${i}.JobAction: ${a.jobAction} is already in the list`, `Actions.${i}.JobAction`);
      seen.add(a.jobAction);
      await this.specs.resolve(a.jobAction, datasetId, a.jobSpec ?? {}).catch((e: unknown) => {
        throw inAction(i, e);
      });
    }
    const now = nowIso(this.deps);
    const before = await this.deps.store.getReindexSetting(datasetId);
    await this.deps.store.putReindexSetting({
      datasetId,
      jobMode: input.jobMode,
      actions: input.actions.map((a) => ({ jobAction: a.jobAction, jobSpec: a.jobSpec ?? {} })),
      versionName: input.versionName ?? null,
      createTime: before?.createTime ?? now,
      updateTime: now,
      lastRunTime: before?.lastRunTime ?? null,
    });
    return (await this.deps.store.getReindexSetting(datasetId))!;
  }

  async delete(datasetId: string): Promise<void> {
    await this.get(datasetId);
    await this.deps.store.deleteReindexSetting(datasetId);
  }

  /**
   * One scheduled run: for every opted-in dataset, starts its actions' jobs in order. FileMetaBuild
   * need not finish before the others start: every job's fan-out (re)builds the file metas of its
   * listing in its first pass. An action already Pending/Running on the version is skipped (the
   * schedule came round again before it finished); a version or spec that no longer resolves is
   * skipped with its reason. Neither stops the other datasets.
   */
  async runScheduled(now: Date): Promise<ReindexRunSummary> {
    const summary: ReindexRunSummary = { started: [], skipped: [] };
    let nextToken: string | undefined;
    do {
      const page = await this.deps.store.listReindexSettings({ maxResults: PAGE, nextToken });
      for (const setting of page.items) await this.runOne(setting, now, summary);
      nextToken = page.nextToken;
    } while (nextToken);
    this.deps.log.info('scheduled reindex done', { started: summary.started.length, skipped: summary.skipped.length });
    return summary;
  }

  private async runOne(setting: ReindexSetting, now: Date, summary: ReindexRunSummary): Promise<void> {
    const { datasetId } = setting;
    const skipAll = (reason: string) => {
      for (const a of setting.actions) summary.skipped.push({ datasetId, jobAction: a.jobAction, reason });
      this.deps.log.warn('scheduled reindex skipped a dataset', { datasetId, reason });
    };
    try {
      const versionName = await this.versionOf(setting);
      if (!versionName.ok) skipAll(versionName.reason);
      else {
        for (const a of setting.actions) {
          const started = await this.startAction(setting, a, versionName.value, now);
          if ('jobId' in started) summary.started.push({ datasetId, jobAction: a.jobAction, jobId: started.jobId });
          else summary.skipped.push({ datasetId, jobAction: a.jobAction, reason: started.reason });
        }
      }
      await this.deps.store.recordReindexRun(datasetId, now.toISOString());
    } catch (e) {
      // The store itself failed for this dataset: report it and go on with the next one.
      skipAll(`failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async versionOf(setting: ReindexSetting): Promise<{ ok: true; value: string } | { ok: false; reason: string }> {
    const dataset = await this.deps.store.getDataset(setting.datasetId);
    if (!dataset) return { ok: false, reason: `dataset '${setting.datasetId}' not found` };
    if (setting.versionName !== null) {
      return (await this.deps.store.hasVersion(setting.datasetId, setting.versionName))
        ? { ok: true, value: setting.versionName }
        : { ok: false, reason: `version ${setting.versionName} no longer exists` };
    }
    const newest = (await this.deps.store.listVersions(setting.datasetId)).at(-1);
    return newest ? { ok: true, value: newest.versionName } : { ok: false, reason: 'the dataset has no versions' };
  }

  private async startAction(
    setting: ReindexSetting,
    action: ReindexSetting['actions'][number],
    versionName: string,
    now: Date,
  ): Promise<{ jobId: string } | { reason: string }> {
    const where = { datasetId: setting.datasetId, versionName, jobAction: action.jobAction };
    let job: DatasetJob;
    try {
      job = await this.jobs.create({
        ...where,
        jobMode: setting.jobMode,
        jobSpec: action.jobSpec,
        description: `scheduled reindex at ${now.toISOString()}`,
      });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (isDomainError(e) && e.kind === 'Conflict') this.deps.log.info('scheduled reindex: job already running, skipped', { ...where, reason });
      else this.deps.log.warn('scheduled reindex: could not start a job', { ...where, reason });
      return { reason };
    }
    this.deps.log.info('scheduled reindex started a job', { ...where, jobId: job.datasetJobId, jobMode: job.jobMode });
    return { jobId: job.datasetJobId };
  }
}

/** An error of action `i`'s spec, renamed to the request field it came from (`Actions.0.JobSpec.connectionId`). */
function inAction(i: number, e: unknown): unknown {
  if (!isDomainError(e)) return e;
  const message = e.message.startsWith('JobSpec') ? `Actions.${i}.${e.message}` : `Actions.${i}: ${e.message}`;
  return new DomainError(e.kind, message, e.field ? `Actions.${i}.${e.field}` : undefined);
}
