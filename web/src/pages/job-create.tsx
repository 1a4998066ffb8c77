// Starting a job on a dataset version: FileMetaBuild, IntelligentTag, SemanticIndex or FileMetaExport
// with their options (lib/domain/job.ts), and for tagging and indexing the estimate of what the job
// would cost before it starts (estimate.ts). Blank fields are left out of the JobSpec, so the server
// fills them from the dataset's job configs and index config, as it does for any API client.
import { useSignal } from '@preact/signals';
import { get, post, seg } from '../api.js';
import { duration, messages, num } from '../i18n.js';
import { navigate } from '../route.js';
import { Dialog } from '../ui/dialog.js';
import { type DatasetJob, ended, settled } from '../ui/job-progress.js';
import { usableFor } from './connection-kinds.js';
import { filesToTouch, meanImageTokens, secondsFor, type CoverageCounts, type MeasuredRate } from './estimate.js';
import { Actions, Err, Field } from './bits.js';
import { errText, useLoad } from './load.js';
import { datasetPath, listConnections, listDatasets, listTagDefinitions, listVersions } from './model.js';

export const ACTIONS = ['FileMetaBuild', 'IntelligentTag', 'SemanticIndex', 'FileMetaExport'] as const;
export type Action = (typeof ACTIONS)[number];

const t = messages(
  {
    title: 'Start a job',
    dataset: 'Dataset',
    action: 'Job',
    FileMetaBuild: 'Build file metas (list and probe the files)',
    IntelligentTag: 'Tag with a vision model',
    SemanticIndex: 'Build the semantic index',
    FileMetaExport: 'Export',
    version: 'Version',
    mode: 'Mode',
    Full: 'Full: every file',
    Increment: 'Increment: only new, changed or failed files',
    description: 'Description',
    verify: 'Check each image by',
    header: 'its header (fast)',
    decode: 'decoding it (finds broken files)',
    connection: 'Connection',
    fromConfig: '(from the dataset’s job config or index config)',
    model: 'Model',
    prompt: 'Tag definition',
    concurrency: 'Model calls in flight',
    longSide: 'Long side of the image sent to the model (px)',
    embedding: 'Embedding connection',
    embeddingModel: 'Embedding model',
    vector: 'Vector store connection',
    indexName: 'Index name',
    query: 'Which files (query language; blank: all)',
    target: 'Write to',
    file: 'a folder',
    logical: 'a logical dataset (a new version of it)',
    folder: 'Folder URI (ending with /)',
    format: 'Format',
    logicalDataset: 'Logical dataset',
    start: 'Start',
    cancel: 'Cancel',
    estimate: 'Before it starts',
    files: 'Files to process',
    calls: 'Model calls',
    callsIndex: 'Images to embed (the embedder may take several a call)',
    tokens: 'Image tokens',
    time: 'Time at {c} in flight',
    unknownRate: 'unknown rate (no finished job of this kind on this dataset yet)',
    rateFrom: 'Rate from job {job}: {rate} files/s at {c} in flight, assumed to grow with concurrency',
    tokensHow:
      'Qwen-VL counts one token per 28×28 pixels of the image after it is scaled to the long side above (at least 4, at most 16,384 an image); ' +
      'averaged over {n} files of this version. A deployment may cap it lower.',
    tokensBound: 'No image sizes are known yet (run a FileMetaBuild): this is the most a square image can take.',
    coverageHow: 'From the coverage of this version: {total} usable files, {up} up to date, {stale} stale, {failed} failed last time, {never} never done. Files added to storage since the last FileMetaBuild are not counted.',
    noIndexConfig: 'This dataset has no index config: coverage of vectors cannot be counted.',
    pickPrompt: 'Choose a tag definition to see the estimate.',
    shortFileMetaBuild: 'Build file metas',
    shortIntelligentTag: 'Tag',
    shortSemanticIndex: 'Index',
    shortFileMetaExport: 'Export',
  },
  {
    title: '启动任务',
    dataset: '数据集',
    action: '任务',
    FileMetaBuild: '构建文件元数据（列出并探测文件）',
    IntelligentTag: '用视觉模型打标签',
    SemanticIndex: '构建语义索引',
    FileMetaExport: '导出',
    version: '版本',
    mode: '模式',
    Full: '全量：所有文件',
    Increment: '增量：只处理新增、变更或失败的文件',
    description: '描述',
    verify: '检查图片的方式',
    header: '读取文件头（快）',
    decode: '完整解码（能发现损坏文件）',
    connection: '连接',
    fromConfig: '（取自数据集的任务配置或索引配置）',
    model: '模型',
    prompt: '标签定义',
    concurrency: '并发的模型调用数',
    longSide: '发送给模型的图片长边（像素）',
    embedding: '向量化连接',
    embeddingModel: '向量化模型',
    vector: '向量库连接',
    indexName: '索引名',
    query: '哪些文件（查询语言；留空：全部）',
    target: '写到',
    file: '一个文件夹',
    logical: '一个逻辑数据集（它的新版本）',
    folder: '文件夹 URI（以 / 结尾）',
    format: '格式',
    logicalDataset: '逻辑数据集',
    start: '启动',
    cancel: '取消',
    estimate: '启动前估算',
    files: '要处理的文件',
    calls: '模型调用次数',
    callsIndex: '要向量化的图片（一次调用可能包含多张）',
    tokens: '图片 Token',
    time: '并发 {c} 时的用时',
    unknownRate: '速率未知（此数据集上还没有同类任务完成）',
    rateFrom: '取自任务 {job}：并发 {c} 时每秒 {rate} 个文件，假设速率与并发成正比',
    tokensHow: 'Qwen-VL 把图片按上面的长边缩放后，每 28×28 像素计 1 个 Token（每张至少 4 个，至多 16,384 个）；按此版本 {n} 个文件的平均值计算。部署可能设置更低的上限。',
    tokensBound: '还不知道图片尺寸（请先运行构建文件元数据）：这是方形图片的最大值。',
    coverageHow: '取自此版本的覆盖情况：可用文件 {total} 个，最新 {up} 个，过期 {stale} 个，上次失败 {failed} 个，从未处理 {never} 个。上次构建文件元数据之后新加入存储的文件未计入。',
    noIndexConfig: '此数据集没有索引配置：无法统计向量覆盖情况。',
    pickPrompt: '选择一个标签定义以查看估算。',
    shortFileMetaBuild: '构建文件元数据',
    shortIntelligentTag: '打标签',
    shortSemanticIndex: '建索引',
    shortFileMetaExport: '导出',
  },
);

/** `<option>`s from [value, label] pairs, after a blank one when `blank` is given. */
const opts = (list: Array<[string, string]>, blank?: string) => [
  ...(blank !== undefined ? [<option key="" value="">{blank}</option>] : []),
  ...list.map(([v, l]) => (
    <option key={v} value={v}>
      {l}
    </option>
  )),
];

/** A short name of the action, for buttons. */
export const actionLabel = (a: Action) => t(`short${a}`);

interface Form {
  action: Action;
  version: string;
  mode: 'Full' | 'Increment';
  description: string;
  verify: string;
  connection: string;
  model: string;
  prompt: string;
  concurrency: string;
  longSide: string;
  embedding: string;
  embeddingModel: string;
  vector: string;
  indexName: string;
  query: string;
  target: 'file' | 'logical';
  folder: string;
  format: string;
  logicalDataset: string;
}

/** The JobSpec the form says (blank fields left out). */
function specOf(f: Form): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  const put = (k: string, v: string | number | undefined | object) => {
    if (v !== '' && v !== undefined && !(typeof v === 'number' && Number.isNaN(v))) s[k] = v;
  };
  switch (f.action) {
    case 'FileMetaBuild':
      put('verify', f.verify);
      break;
    case 'IntelligentTag':
      put('intelligentTagConnectionId', f.connection);
      put('modelId', f.model.trim());
      put('promptId', f.prompt);
      put('concurrency', parseInt(f.concurrency, 10));
      put('imageLongSide', parseInt(f.longSide, 10));
      break;
    case 'SemanticIndex':
      put('embeddingConnectionId', f.embedding);
      put('embeddingModel', f.embeddingModel.trim());
      put('databaseConnectionId', f.vector);
      put('databaseTableName', f.indexName.trim());
      put('concurrency', parseInt(f.concurrency, 10));
      put('imageLongSide', parseInt(f.longSide, 10));
      break;
    case 'FileMetaExport':
      if (f.query.trim()) s.query = { QueryExpression: f.query.trim() };
      if (f.target === 'logical') put('logicalDatasetId', f.logicalDataset);
      else {
        put('exportDirUri', f.folder.trim());
        put('format', f.format);
      }
      put('target', f.target);
      break;
  }
  return s;
}

/** The dialog; on success it goes to the new job's page. */
export function JobCreate({ datasetId: given, version, action, onClose }: { datasetId?: string; version?: string; action?: Action; onClose: () => void }) {
  const dataset = useSignal(given ?? '');
  const datasetId = dataset.value;
  const form = useSignal<Form>({
    action: action ?? 'FileMetaBuild',
    version: version ?? '',
    mode: 'Increment',
    description: '',
    verify: 'header',
    connection: '',
    model: 'qwen-vl-max',
    prompt: '',
    concurrency: '5',
    longSide: '1024',
    embedding: '',
    embeddingModel: '',
    vector: '',
    indexName: '',
    query: '',
    target: 'file',
    folder: '',
    format: 'pai',
    logicalDataset: '',
  });
  const error = useSignal('');
  const busy = useSignal(false);
  const refs = useLoad(async (signal) => {
    const [versions, connections, defs] = await Promise.all([datasetId ? listVersions(datasetId, signal) : [], listConnections(signal), listTagDefinitions(signal)]);
    if (!versions.some((v) => v.VersionName === form.value.version)) form.value = { ...form.value, version: versions[versions.length - 1]?.VersionName ?? '' };
    return { versions, connections, defs };
  }, [datasetId]);
  const datasets = useLoad((signal) => listDatasets(signal), []);
  const all = datasets.data.value ?? [];
  const f = form.value;
  const set = (patch: Partial<Form>) => (form.value = { ...form.value, ...patch });
  const text = (k: keyof Form) => ({ value: f[k], onInput: (e: Event) => set({ [k]: (e.currentTarget as HTMLInputElement).value } as Partial<Form>) });
  const conns = refs.data.value?.connections ?? [];
  const sel = (k: keyof Form, list: Array<[string, string]>, blank?: string) => (
    <select {...text(k)} data-testid={`job-${k}`}>
      {opts(list, blank)}
    </select>
  );
  const connOptions = (p: 'tagging' | 'embedding' | 'vector') => usableFor(conns, p).map((c): [string, string] => [c.ConnectionId, `${c.ConnectionName} (${c.ConnectionType})`]);

  const start = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = '';
    try {
      const r = await post<{ DatasetJobId: string }>(`${datasetPath(datasetId)}/datasetjobs`, {
        DatasetVersion: f.version || undefined,
        JobAction: f.action,
        ...(f.action === 'FileMetaExport' ? {} : { JobMode: f.mode }),
        JobSpec: specOf(f),
        ...(f.description.trim() ? { Description: f.description.trim() } : {}),
      });
      onClose();
      navigate(`/jobs/${seg(r.DatasetJobId)}?dataset=${encodeURIComponent(datasetId)}`);
    } catch (err) {
      error.value = errText(err);
    } finally {
      busy.value = false;
    }
  };

  const model = f.action === 'IntelligentTag' || f.action === 'SemanticIndex';
  return (
    <Dialog title={t('title')} onClose={onClose} wide>
      <form onSubmit={start} class="stack job-create">
        <div class="grid2">
          {!given && (
            <Field label={t('dataset')}>
              <select value={datasetId} onChange={(e) => (dataset.value = e.currentTarget.value)} required data-testid="job-dataset">
                {opts(all.filter((d) => d.Edition !== 'LOGICAL').map((d) => [d.DatasetId, d.Name]), '')}
              </select>
            </Field>
          )}
          <Field label={t('action')}>{sel('action', ACTIONS.map((a) => [a, t(a)]))}</Field>
          <Field label={t('version')}>{sel('version', (refs.data.value?.versions ?? []).map((v) => [v.VersionName, `${v.VersionName} · ${num(v.DataCount)}`]))}</Field>
          {f.action !== 'FileMetaExport' && (
            <Field label={t('mode')}>
              {sel('mode', [
                ['Increment', t('Increment')],
                ['Full', t('Full')],
              ])}
            </Field>
          )}
          {f.action === 'FileMetaBuild' && (
            <Field label={t('verify')}>
              {sel('verify', [
                ['header', t('header')],
                ['decode', t('decode')],
              ])}
            </Field>
          )}
          {f.action === 'IntelligentTag' && (
            <>
              <Field label={t('connection')}>{sel('connection', connOptions('tagging'), t('fromConfig'))}</Field>
              <Field label={t('model')}>
                <input {...text('model')} list="job-models" />
                <datalist id="job-models">{opts((conns.find((c) => c.ConnectionId === f.connection)?.Models ?? []).map((m) => [m.Model, m.Model]))}</datalist>
              </Field>
              <Field label={t('prompt')}>{sel('prompt', (refs.data.value?.defs ?? []).map((d) => [d.TagDefinitionId, `${d.Name} (v${d.Version})`]), t('fromConfig'))}</Field>
            </>
          )}
          {f.action === 'SemanticIndex' && (
            <>
              <Field label={t('embedding')}>{sel('embedding', connOptions('embedding'), t('fromConfig'))}</Field>
              <Field label={t('embeddingModel')}>
                <input {...text('embeddingModel')} placeholder={t('fromConfig')} />
              </Field>
              <Field label={t('vector')}>{sel('vector', connOptions('vector'), t('fromConfig'))}</Field>
              <Field label={t('indexName')}>
                <input {...text('indexName')} placeholder={t('fromConfig')} pattern="[a-z0-9_\-]{1,64}" />
              </Field>
            </>
          )}
          {model && (
            <>
              <Field label={t('concurrency')}>
                <input type="number" min={1} max={100} {...text('concurrency')} data-testid="job-concurrency" />
              </Field>
              <Field label={t('longSide')}>
                <input type="number" min={64} max={4096} {...text('longSide')} />
              </Field>
            </>
          )}
          {f.action === 'FileMetaExport' && (
            <>
              <Field label={t('target')}>
                {sel('target', [
                  ['file', t('file')],
                  ['logical', t('logical')],
                ])}
              </Field>
              {f.target === 'file' ? (
                <>
                  <Field label={t('folder')}>
                    <input {...text('folder')} required placeholder="file:///…/ · oss://bucket/path/" />
                  </Field>
                  <Field label={t('format')}>{sel('format', ['pai', 'manifest', 'csv', 'gme'].map((x) => [x, x]))}</Field>
                </>
              ) : (
                <Field label={t('logicalDataset')}>{sel('logicalDataset', all.filter((d) => d.Edition === 'LOGICAL').map((d) => [d.DatasetId, d.Name]), '—')}</Field>
              )}
            </>
          )}
        </div>
        {f.action === 'FileMetaExport' && (
          <Field label={t('query')}>
            <textarea rows={2} {...text('query')} />
          </Field>
        )}
        <Field label={t('description')}>
          <input {...text('description')} maxLength={1024} />
        </Field>
        {model && datasetId && f.version && <Estimate datasetId={datasetId} f={f} />}
        <Err e={error.value || refs.error.value} />
        <Actions cancel={t('cancel')} onCancel={onClose} submit={t('start')} testid="job-start" />
      </form>
    </Dialog>
  );
}

interface FileMetaSizes {
  DatasetFileMetas: Array<{ MetaAttributes: string }>;
}

/** Image sizes of a sample of the version's files (MetaAttributes ImageWidth/ImageHeight). */
async function sampleSizes(datasetId: string, version: string, signal: AbortSignal) {
  const r = await get<FileMetaSizes>(`${datasetPath(datasetId)}/datasetfilemetas`, { DatasetVersion: version, PageSize: 200, PageNumber: 1 }, signal);
  return r.DatasetFileMetas.map((m) => {
    try {
      const a = JSON.parse(m.MetaAttributes) as { ImageWidth?: number; ImageHeight?: number };
      return { w: Number(a.ImageWidth) || 0, h: Number(a.ImageHeight) || 0 };
    } catch {
      return { w: 0, h: 0 };
    }
  });
}

/** The last ended job of the action on the dataset that settled some files: its rate and concurrency. */
async function lastRate(datasetId: string, action: string, signal: AbortSignal): Promise<MeasuredRate | undefined> {
  const r = await get<{ DatasetJobs: DatasetJob[] }>(`${datasetPath(datasetId)}/datasetjobs`, { JobAction: action, SortBy: 'FinishTime', Order: 'DESC', PageSize: 20 }, signal);
  for (const j of r.DatasetJobs) {
    if (!ended(j) || !j.StartTime || !j.FinishTime || settled(j) === 0) continue;
    const secs = (Date.parse(j.FinishTime) - Date.parse(j.StartTime)) / 1000;
    if (secs <= 0) continue;
    let concurrency = 5;
    try {
      concurrency = Number((JSON.parse(j.JobSpec) as { concurrency?: number }).concurrency) || 5;
    } catch {
      /* the default */
    }
    return { jobId: j.DatasetJobId, filesPerSecond: settled(j) / secs, concurrency };
  }
  return undefined;
}

function Estimate({ datasetId, f }: { datasetId: string; f: Form }) {
  const tags = f.action === 'IntelligentTag';
  const cov = useLoad(
    (signal) =>
      tags && !f.prompt
        ? Promise.resolve(undefined)
        : get<{ Tags?: CoverageCounts; Vectors?: CoverageCounts }>(
            `${datasetPath(datasetId)}/coverage`,
            { DatasetVersion: f.version, ...(tags ? { TagDefinitionId: f.prompt, ModelName: f.model.trim() || undefined } : {}) },
            signal,
          ).then((r) => (tags ? r.Tags : r.Vectors) ?? null),
    [datasetId, f.version, f.action, f.prompt, f.model],
  );
  const sizes = useLoad((signal) => sampleSizes(datasetId, f.version, signal), [datasetId, f.version]);
  const rate = useLoad((signal) => lastRate(datasetId, f.action, signal), [datasetId, f.action]);
  const c = cov.data.value;
  const longSide = parseInt(f.longSide, 10) || 1024;
  const concurrency = parseInt(f.concurrency, 10) || 5;
  let body;
  if (cov.error.value) body = <p class="error">{cov.error.value}</p>;
  else if (tags && !f.prompt) body = <p class="muted">{t('pickPrompt')}</p>;
  else if (c === null) body = <p class="muted">{t('noIndexConfig')}</p>;
  else if (c && sizes.data.value) {
    const files = filesToTouch(c, f.mode);
    const tok = meanImageTokens(sizes.data.value, longSide);
    const secs = secondsFor(files, concurrency, rate.data.value);
    const r = rate.data.value;
    body = (
      <>
        <dl class="figures">
          <dt>{t('files')}</dt>
          <dd data-testid="estimate-files">{num(files)}</dd>
          <dt>{tags ? t('calls') : t('callsIndex')}</dt>
          <dd data-testid="estimate-calls">{num(files)}</dd>
          <dt>{t('tokens')}</dt>
          <dd data-testid="estimate-tokens">
            {tok.bound ? '≤ ' : '≈ '}
            {num(Math.round(files * tok.tokens))}
          </dd>
          <dt>{t('time', { c: concurrency })}</dt>
          <dd data-testid="estimate-time">{secs === undefined ? t('unknownRate') : `≈ ${duration(secs)}`}</dd>
        </dl>
        <p class="muted small">
          {t('coverageHow', { total: c.Total, up: c.UpToDate, stale: c.Stale, failed: c.Failed, never: c.Never })}{' '}
          {tok.bound ? t('tokensBound') : t('tokensHow', { n: sizes.data.value.filter((s) => s.w > 0).length })}{' '}
          {r && t('rateFrom', { job: r.jobId, rate: num(Math.round(r.filesPerSecond * 100) / 100), c: r.concurrency })}
        </p>
      </>
    );
  }
  return (
    <fieldset class="estimate" data-testid="estimate">
      <legend>{t('estimate')}</legend>
      {body}
    </fieldset>
  );
}
