// Jobs: every job of every dataset (or of one: ?dataset=), live while any runs, each with its status,
// progress, counts, rate and ETA, and a stop button; a job's page adds its JobSpec, logs, failed files
// with their reasons and what an export wrote. The API lists jobs per dataset, so the list reads each
// dataset's newest jobs: all of them every 5 s, and every second those of datasets with a job running.
import { useEffect } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { get, put } from '../api.js';
import { dateTime, messages } from '../i18n.js';
import { href, linkClick, route, setParams } from '../route.js';
import { JobFigures, ended, jobPath, type DatasetJob } from '../ui/job-progress.js';
import { toast } from '../ui/toast.js';
import { JobCreate } from './job-create.js';
import { Err } from './bits.js';
import { errText, useLoad } from './load.js';
import { datasetPath, listDatasets, type Dataset } from './model.js';
import './pages.css';

const t = messages(
  {
    jobs: 'Jobs',
    job: 'Job',
    dataset: 'Dataset',
    allDatasets: 'All datasets',
    version: 'Version',
    action: 'Action',
    mode: 'Mode',
    progress: 'Progress',
    created: 'Created',
    started: 'Started',
    finished: 'Finished',
    stop: 'Stop',
    stopped: 'Stop asked for job {id}: its remaining batches are dropped.',
    none: 'No jobs yet.',
    newJob: 'Start a job…',
    spec: 'JobSpec',
    logs: 'Logs',
    noLogs: 'No log lines.',
    failed: 'Failed files',
    reason: 'Reason',
    noFailed: 'No file failed.',
    failedMore: 'The first {n} of {total} failed files.',
    output: 'What it wrote',
    browse: 'Browse',
    message: 'Message',
    notFound: 'No job {id} in any dataset you can see.',
    description: 'Description',
  },
  {
    jobs: '任务',
    job: '任务',
    dataset: '数据集',
    allDatasets: '所有数据集',
    version: '版本',
    action: '类型',
    mode: '模式',
    progress: '进度',
    created: '创建时间',
    started: '开始时间',
    finished: '结束时间',
    stop: '停止',
    stopped: '已请求停止任务 {id}：剩余批次将被丢弃。',
    none: '还没有任务。',
    newJob: '启动任务…',
    spec: 'JobSpec',
    logs: '日志',
    noLogs: '没有日志。',
    failed: '失败的文件',
    reason: '原因',
    noFailed: '没有文件失败。',
    failedMore: '共 {total} 个失败文件中的前 {n} 个。',
    output: '导出结果',
    browse: '浏览',
    message: '消息',
    notFound: '在你可见的数据集中找不到任务 {id}。',
    description: '描述',
  },
);

const PER_DATASET = 50;

async function stopJob(j: DatasetJob) {
  try {
    await put(`${jobPath(j.DatasetId, j.DatasetJobId)}/action/stop`, {});
    toast(t('stopped', { id: j.DatasetJobId }));
  } catch (e) {
    toast(errText(e), 'error');
  }
}

export const jobHref = (j: Pick<DatasetJob, 'DatasetId' | 'DatasetJobId'>) => href(['jobs', j.DatasetJobId], { dataset: j.DatasetId });

/** The jobs of one dataset or of all, newest first, polled as the file's opening says. */
export function JobTable({ datasetId, limit = PER_DATASET }: { datasetId?: string; limit?: number }) {
  const jobs = useSignal<DatasetJob[] | undefined>(undefined);
  const names = useSignal<Map<string, string>>(new Map());
  const error = useSignal('');
  const kick = useSignal(0);
  useEffect(() => {
    const abort = new AbortController();
    const byDataset = new Map<string, DatasetJob[]>();
    let datasets: Dataset[] = [];
    let lastFull = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const started = Date.now();
      let running = false;
      try {
        const full = started - lastFull >= 5000;
        if (full) {
          datasets = datasetId ? [await get<Dataset>(datasetPath(datasetId), undefined, abort.signal)] : (await listDatasets(abort.signal)).filter((d) => d.Edition !== 'LOGICAL');
          names.value = new Map(datasets.map((d) => [d.DatasetId, d.Name]));
          lastFull = started;
        }
        const targets = full ? datasets : datasets.filter((d) => byDataset.get(d.DatasetId)?.some((j) => !ended(j)));
        await Promise.all(
          targets.map(async (d) => {
            const r = await get<{ DatasetJobs: DatasetJob[] }>(`${datasetPath(d.DatasetId)}/datasetjobs`, { PageSize: limit, SortBy: 'CreateTime', Order: 'DESC' }, abort.signal);
            byDataset.set(d.DatasetId, r.DatasetJobs);
          }),
        );
        if (full) for (const id of [...byDataset.keys()]) if (!names.value.has(id)) byDataset.delete(id);
        const all = [...byDataset.values()].flat().sort((a, b) => b.CreateTime.localeCompare(a.CreateTime));
        jobs.value = datasetId ? all.slice(0, limit) : all;
        running = all.some((j) => !ended(j));
        error.value = '';
      } catch (e) {
        if (abort.signal.aborted) return;
        error.value = errText(e);
      }
      if (!abort.signal.aborted) timer = setTimeout(tick, Math.max(0, (running ? 1000 : 5000) - (Date.now() - started)));
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [datasetId, limit, kick.value]);
  const list = jobs.value;
  return (
    <>
      <Err e={error.value} />
      {list && !list.length && <p class="muted">{t('none')}</p>}
      {list && list.length > 0 && (
        <table class="table jobs">
          <thead>
            <tr>
              <th>{t('job')}</th>
              {!datasetId && <th>{t('dataset')}</th>}
              <th>{t('action')}</th>
              <th class="wide">{t('progress')}</th>
              <th>{t('created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((j) => (
              <tr key={j.DatasetJobId} data-testid="job-row" data-id={j.DatasetJobId} data-status={j.Status}>
                <td>
                  <a href={jobHref(j)} onClick={linkClick} class="mono">
                    {j.DatasetJobId}
                  </a>
                  <div class="muted small">{j.Description}</div>
                </td>
                {!datasetId && (
                  <td>
                    <a href={href(['datasets', j.DatasetId])} onClick={linkClick}>
                      {names.value.get(j.DatasetId) ?? j.DatasetId}
                    </a>{' '}
                    <span class="muted">{j.DatasetVersion}</span>
                  </td>
                )}
                <td>
                  {j.JobAction}
                  <div class="muted small">{j.JobMode}</div>
                </td>
                <td>
                  <JobFigures job={j} />
                </td>
                <td class="nowrap">{dateTime(j.CreateTime)}</td>
                <td>
                  {!ended(j) && (
                    <button type="button" class="danger" data-testid="job-stop" onClick={() => stopJob(j).then(() => (kick.value += 1))}>
                      {t('stop')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function JobsPage() {
  const dataset = route.value.params.get('dataset') ?? '';
  const creating = useSignal(false);
  const datasets = useLoad((signal) => listDatasets(signal).then((l) => l.filter((d) => d.Edition !== 'LOGICAL')), []);
  return (
    <main class="page">
      <div class="row head">
        <h1>{t('jobs')}</h1>
        <span class="spacer" />
        <select aria-label={t('dataset')} value={dataset} onChange={(e) => setParams({ dataset: e.currentTarget.value }, { replace: true })} data-testid="jobs-dataset">
          <option value="">{t('allDatasets')}</option>
          {(datasets.data.value ?? []).map((d) => (
            <option key={d.DatasetId} value={d.DatasetId}>
              {d.Name}
            </option>
          ))}
        </select>
        <button type="button" class="primary" onClick={() => (creating.value = true)} data-testid="jobs-create">
          {t('newJob')}
        </button>
      </div>
      <JobTable datasetId={dataset || undefined} key={dataset} />
      {creating.value && <JobCreate datasetId={dataset || undefined} onClose={() => (creating.value = false)} />}
    </main>
  );
}

/** The dataset of a job named only by its id: each dataset is asked in turn. */
async function findDataset(jobId: string, signal: AbortSignal): Promise<string> {
  for (const d of await listDatasets(signal)) {
    if (d.Edition === 'LOGICAL') continue;
    try {
      await get(jobPath(d.DatasetId, jobId), { MaxLogs: 0, MaxFailedFiles: 0 }, signal);
      return d.DatasetId;
    } catch {
      /* not this one */
    }
  }
  throw new Error(t('notFound', { id: jobId }));
}

export function JobPage({ jobId }: { jobId: string }) {
  const given = route.value.params.get('dataset') ?? '';
  const job = useSignal<DatasetJob | undefined>(undefined);
  const error = useSignal('');
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let datasetId = given;
    const tick = async () => {
      const started = Date.now();
      try {
        if (!datasetId) datasetId = await findDataset(jobId, abort.signal);
        const j = await get<DatasetJob>(jobPath(datasetId, jobId), { MaxLogs: 1000, MaxFailedFiles: 100 }, abort.signal);
        job.value = j;
        error.value = '';
        if (ended(j)) return;
      } catch (e) {
        if (abort.signal.aborted) return;
        error.value = errText(e);
        if (!datasetId) return;
      }
      if (!abort.signal.aborted) timer = setTimeout(tick, Math.max(0, 1000 - (Date.now() - started)));
    };
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [jobId, given]);
  const j = job.value;
  return (
    <main class="page job-page">
      <Err e={error.value} />
      {j && <JobDetail j={j} />}
    </main>
  );
}

function JobDetail({ j }: { j: DatasetJob }) {
  let spec = j.JobSpec;
  try {
    spec = JSON.stringify(JSON.parse(j.JobSpec), null, 2);
  } catch {
    /* shown as it came */
  }
  const out = j.Output;
  return (
    <div class="stack">
      <div class="row head">
        <h1>
          {j.JobAction} <span class="mono muted">{j.DatasetJobId}</span>
        </h1>
        <span class="spacer" />
        {!ended(j) && (
          <button type="button" class="danger" data-testid="job-stop" onClick={() => stopJob(j)}>
            {t('stop')}
          </button>
        )}
      </div>
      <dl class="figures">
        <dt>{t('dataset')}</dt>
        <dd>
          <a href={href(['datasets', j.DatasetId])} onClick={linkClick}>
            {j.DatasetId}
          </a>{' '}
          · {j.DatasetVersion}
        </dd>
        <dt>{t('mode')}</dt>
        <dd>{j.JobMode}</dd>
        {j.Description && (
          <>
            <dt>{t('description')}</dt>
            <dd>{j.Description}</dd>
          </>
        )}
        <dt>{t('created')}</dt>
        <dd>{dateTime(j.CreateTime)}</dd>
        <dt>{t('started')}</dt>
        <dd>{dateTime(j.StartTime)}</dd>
        <dt>{t('finished')}</dt>
        <dd>{dateTime(j.FinishTime)}</dd>
        {j.Message && (
          <>
            <dt>{t('message')}</dt>
            <dd>{j.Message}</dd>
          </>
        )}
      </dl>
      <div class="card">
        <JobFigures job={j} />
      </div>
      {out && (
        <section>
          <h2>{t('output')}</h2>
          {out.Uri && <p class="mono">{out.Uri}</p>}
          {out.Files && out.Files.length > 0 && (
            <ul class="mono small">
              {out.Files.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          )}
          {out.DatasetId && (
            <p>
              <a href={href(['datasets', out.DatasetId, 'files'], { v: out.VersionName })} onClick={linkClick}>
                {t('browse')} {out.DatasetId} {out.VersionName}
              </a>
            </p>
          )}
        </section>
      )}
      <section>
        <h2>
          {t('failed')} ({j.FailedFileCount})
        </h2>
        {j.FailedFiles?.length ? (
          <>
            {j.FailedFileCount > j.FailedFiles.length && <p class="muted">{t('failedMore', { n: j.FailedFiles.length, total: j.FailedFileCount })}</p>}
            <table class="table" data-testid="failed-files">
              <tbody>
                {j.FailedFiles.map((f) => (
                  <tr key={f.DatasetFileMetaId}>
                    <td class="mono">
                      <a href={href(['datasets', j.DatasetId, 'files'], { v: j.DatasetVersion, item: f.DatasetFileMetaId })} onClick={linkClick}>
                        {f.Uri}
                      </a>
                    </td>
                    <td>{f.Reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : (
          <p class="muted">{t('noFailed')}</p>
        )}
      </section>
      <section>
        <h2>{t('logs')}</h2>
        {j.Logs?.length ? (
          <pre class="logs" data-testid="job-logs">
            {j.Logs.map((l, i) => (
              <div key={i} class={/^\S+ ERROR /.test(l) ? 'error' : /^\S+ WARN /.test(l) ? 'warn' : undefined}>
                {l}
              </div>
            ))}
          </pre>
        ) : (
          <p class="muted">{t('noLogs')}</p>
        )}
      </section>
      <section>
        <h2>{t('spec')}</h2>
        <pre class="spec">{spec}</pre>
      </section>
    </div>
  );
}
