// A job's live progress: status badge, bar, counts, rate and ETA, polled once a second while the job
// runs and no longer once it has ended or the component is gone. Shared by the jobs pages, the dataset
// page and the export dialog; the helpers below (DatasetJob, ended, rateOf) are the jobs pages' too.
import { useEffect, useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { ApiError, get, seg } from '../api.js';
import { duration, messages, num } from '../i18n.js';

/** GetDatasetJob / ListDatasetJobs on the wire (lib/http/dto.ts DatasetJobDto). */
export interface DatasetJob {
  DatasetJobId: string;
  DatasetId: string;
  DatasetVersion: string;
  JobAction: string;
  JobMode: string;
  /** JSON text of the spec, defaults filled in. */
  JobSpec: string;
  Description: string;
  Status: 'Pending' | 'Running' | 'Succeeded' | 'PartialFailed' | 'Failed' | 'ManuallyStop' | string;
  TotalFileCount: number;
  CompletedFileCount: number;
  FailedFileCount: number;
  SkippedFileCount: number;
  ListedFileCount: number;
  DeletedFileCount: number;
  Message: string | null;
  CreateTime: string;
  StartTime: string | null;
  FinishTime: string | null;
  /** '<ISO time> <LEVEL> <message>' lines, oldest first. */
  Logs?: string[];
  FailedFiles?: Array<{ DatasetFileMetaId: string; Uri: string; Reason: string }>;
  Output?: { Uri?: string; Files?: string[]; DatasetId?: string; VersionName?: string; FileCount: number };
}

export const ended = (j: Pick<DatasetJob, 'Status'>) => !(j.Status === 'Pending' || j.Status === 'Running');

/** Files settled (completed, failed or skipped). */
export const settled = (j: DatasetJob) => j.CompletedFileCount + j.FailedFileCount + j.SkippedFileCount;

/** Files per second since the job started (to its finish, or now while it runs); undefined before any. */
export function rateOf(j: DatasetJob, now = Date.now()): number | undefined {
  if (!j.StartTime) return undefined;
  const end = j.FinishTime ? Date.parse(j.FinishTime) : now;
  const secs = (end - Date.parse(j.StartTime)) / 1000;
  const n = settled(j);
  return secs > 0.5 && n > 0 ? n / secs : undefined;
}

/** Seconds left at the rate so far; undefined when unknown or ended. */
export function etaOf(j: DatasetJob, now = Date.now()): number | undefined {
  const r = rateOf(j, now);
  if (ended(j) || !r || j.TotalFileCount <= 0) return undefined;
  return Math.max(0, j.TotalFileCount - settled(j)) / r;
}

/** 0–100, or undefined while the total is not known yet. */
export const percentOf = (j: DatasetJob) => (j.TotalFileCount > 0 ? Math.min(100, (100 * settled(j)) / j.TotalFileCount) : ended(j) ? 100 : undefined);

export const jobPath = (datasetId: string, jobId: string) => `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(jobId)}`;

export const t = messages(
  {
    Pending: 'Pending',
    Running: 'Running',
    Succeeded: 'Succeeded',
    PartialFailed: 'Partly failed',
    Failed: 'Failed',
    ManuallyStop: 'Stopped',
    counts: '{done} of {total} files · {ok} done · {failed} failed · {skipped} skipped',
    countsUnknown: '{done} files so far (the total is still being counted)',
    rate: '{rate} files/s',
    eta: 'about {eta} left',
    took: 'took {d}',
    loadFailed: 'Could not read the job: {why}',
  },
  {
    Pending: '等待中',
    Running: '运行中',
    Succeeded: '成功',
    PartialFailed: '部分失败',
    Failed: '失败',
    ManuallyStop: '已停止',
    counts: '{done} / {total} 个文件 · 完成 {ok} · 失败 {failed} · 跳过 {skipped}',
    countsUnknown: '已处理 {done} 个文件（总数仍在统计）',
    rate: '{rate} 个文件/秒',
    eta: '约剩 {eta}',
    took: '用时 {d}',
    loadFailed: '无法读取任务：{why}',
  },
);

export function StatusBadge({ status }: { status: string }) {
  const known = ['Pending', 'Running', 'Succeeded', 'PartialFailed', 'Failed', 'ManuallyStop'].includes(status);
  const cls = status === 'Succeeded' ? 'ok' : status === 'Failed' || status === 'PartialFailed' ? 'error' : status === 'Running' || status === 'Pending' ? 'RUNNING' : '';
  return <span class={`badge ${cls}`}>{known ? t(status as 'Pending') : status}</span>;
}

/** The bar and the figures of one job (no polling: the caller holds the job). */
export function JobFigures({ job }: { job: DatasetJob }) {
  const pct = percentOf(job);
  const rate = rateOf(job);
  const eta = etaOf(job);
  const span = job.StartTime && job.FinishTime ? (Date.parse(job.FinishTime) - Date.parse(job.StartTime)) / 1000 : undefined;
  const done = settled(job);
  return (
    <div class="stack job-figures">
      <div class="row">
        <StatusBadge status={job.Status} />
        <div
          class="progress"
          style={{ flex: 1 }}
          data-testid="job-progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct === undefined ? undefined : Math.round(pct)}
        >
          <div style={{ width: `${pct ?? 0}%` }} />
        </div>
        {pct !== undefined && <span class="mono">{Math.floor(pct)}%</span>}
      </div>
      <div class="muted">
        {job.TotalFileCount > 0 || ended(job)
          ? t('counts', { done, total: job.TotalFileCount, ok: job.CompletedFileCount, failed: job.FailedFileCount, skipped: job.SkippedFileCount })
          : t('countsUnknown', { done })}
        {rate !== undefined && ` · ${t('rate', { rate: num(Math.round(rate * 10) / 10) })}`}
        {eta !== undefined && ` · ${t('eta', { eta: duration(eta) })}`}
        {ended(job) && span !== undefined && ` · ${t('took', { d: duration(span) })}`}
      </div>
    </div>
  );
}

/**
 * Polls GetDatasetJob (≤ 1 s apart) while the job is Pending or Running; `onEnd` is called once with
 * the ended job. Each request is aborted when the component unmounts.
 */
export function JobProgress({ datasetId, jobId, onEnd }: { datasetId: string; jobId: string; onEnd?: (job: DatasetJob) => void }) {
  const job = useSignal<DatasetJob | undefined>(undefined);
  const error = useSignal('');
  const endRef = useRef(onEnd);
  endRef.current = onEnd;
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const started = Date.now();
      try {
        const j = await get<DatasetJob>(jobPath(datasetId, jobId), { MaxLogs: 0, MaxFailedFiles: 0 }, abort.signal);
        job.value = j;
        error.value = '';
        if (ended(j)) {
          endRef.current?.(j);
          return;
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        error.value = t('loadFailed', { why: e instanceof ApiError ? e.message : String(e) });
        if (e instanceof ApiError && e.status === 404) return;
      }
      // The next request starts 1 s after this one started (at once if this one took longer).
      if (!abort.signal.aborted) timer = setTimeout(tick, Math.max(0, 1000 - (Date.now() - started)));
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [datasetId, jobId]);
  return (
    <div class="job-progress" aria-live="polite">
      {job.value && <JobFigures job={job.value} />}
      {error.value && <p class="error">{error.value}</p>}
    </div>
  );
}
