// Datasets: the list (register a storage URI or make a LOGICAL dataset; delete), and a dataset's page:
// its versions (browse one, make the next), coverage of tags and vectors per version, the index
// config, its jobs and the buttons that start them. The version the page is about is ?v= (default: the
// latest), so a link or Back keeps it.
import { useSignal } from '@preact/signals';
import { del, get, post, put } from '../api.js';
import { bytes, dateTime, messages, num } from '../i18n.js';
import { href, linkClick, navigate, route, setParams } from '../route.js';
import { Confirm, Dialog } from '../ui/dialog.js';
import { JobProgress } from '../ui/job-progress.js';
import { toast } from '../ui/toast.js';
import { usableFor } from './connection-kinds.js';
import type { CoverageCounts } from './estimate.js';
import { ACTIONS, JobCreate, actionLabel, type Action } from './job-create.js';
import { JobTable } from './jobs.js';
import { Actions, Err, Field, Head, PageHead } from './bits.js';
import { errText, useLoad } from './load.js';
import { datasetPath, listConnections, listDatasets, listTagDefinitions, listVersions, type Dataset } from './model.js';
import './pages.css';

const t = messages(
  {
    datasets: 'Datasets',
    register: 'Register a dataset…',
    name: 'Name',
    edition: 'Edition',
    uri: 'Storage URI',
    latest: 'Latest version',
    files: 'Files',
    size: 'Size',
    workspace: 'Workspace',
    created: 'Created',
    none: 'No datasets yet: register a folder of images to start.',
    delete: 'Delete',
    deleteTitle: 'Delete dataset “{name}”?',
    deleteText: 'Loupe forgets the dataset, its versions, file metas and jobs. The files in storage are not touched.',
    cancel: 'Cancel',
    create: 'Register',
    description: 'Description',
    dataType: 'Data type',
    uriHelp: 'A folder: file:///path/to/images/ or oss://bucket/prefix/. Nothing is copied.',
    logicalHelp: 'A LOGICAL dataset has no storage: exports make its versions.',
    created1: 'Dataset {name} registered. Build its file metas to see its images.',
    versions: 'Versions',
    version: 'Version',
    browse: 'Browse',
    newVersion: 'New version',
    versionUri: 'Storage URI (blank: the dataset’s)',
    versionMade: 'Version {v} made.',
    coverage: 'Coverage of {v}',
    tags: 'Tags',
    vectors: 'Vectors',
    total: 'Usable',
    upToDate: 'Up to date',
    stale: 'Stale',
    failed: 'Failed',
    never: 'Never done',
    unusable: 'Unusable',
    tagDefinition: 'Against tag definition',
    pickDefinition: '— choose one —',
    noIndexConfig: 'No index config yet: set one below to count vectors.',
    indexConfig: 'Index config',
    embedding: 'Embedding connection',
    vector: 'Vector store connection',
    indexName: 'Index name',
    modelName: 'Embedding model (blank: the connection’s)',
    save: 'Save',
    saveRefresh: 'Save and index {v} now',
    saved: 'Index config saved.',
    jobs: 'Jobs',
    allJobs: 'All jobs of this dataset',
    start: 'Start a job…',
    logicalJobs: 'A LOGICAL dataset runs no jobs: export into it from another dataset.',
  },
  {
    datasets: '数据集',
    register: '注册数据集…',
    name: '名称',
    edition: '版本类型',
    uri: '存储 URI',
    latest: '最新版本',
    files: '文件',
    size: '大小',
    workspace: '工作空间',
    created: '创建时间',
    none: '还没有数据集：注册一个图片文件夹开始使用。',
    delete: '删除',
    deleteTitle: '删除数据集“{name}”？',
    deleteText: 'Loupe 会忘记这个数据集及其版本、文件元数据和任务。存储中的文件不会被改动。',
    cancel: '取消',
    create: '注册',
    description: '描述',
    dataType: '数据类型',
    uriHelp: '一个文件夹：file:///path/to/images/ 或 oss://bucket/prefix/。不会复制任何文件。',
    logicalHelp: '逻辑（LOGICAL）数据集没有存储：它的版本由导出生成。',
    created1: '已注册数据集 {name}。构建文件元数据后即可看到图片。',
    versions: '版本',
    version: '版本',
    browse: '浏览',
    newVersion: '新建版本',
    versionUri: '存储 URI（留空：与数据集相同）',
    versionMade: '已创建版本 {v}。',
    coverage: '{v} 的覆盖情况',
    tags: '标签',
    vectors: '向量',
    total: '可用',
    upToDate: '最新',
    stale: '过期',
    failed: '失败',
    never: '从未处理',
    unusable: '不可用',
    tagDefinition: '对照标签定义',
    pickDefinition: '— 请选择 —',
    noIndexConfig: '还没有索引配置：在下方设置后即可统计向量。',
    indexConfig: '索引配置',
    embedding: '向量化连接',
    vector: '向量库连接',
    indexName: '索引名',
    modelName: '向量化模型（留空：使用连接的默认模型）',
    save: '保存',
    saveRefresh: '保存并立即索引 {v}',
    saved: '索引配置已保存。',
    jobs: '任务',
    allJobs: '此数据集的全部任务',
    start: '启动任务…',
    logicalJobs: '逻辑数据集不运行任务：请从其他数据集导出到它。',
  },
);

const options = (xs: string[]) => xs.map((x) => <option key={x}>{x}</option>);

export function DatasetsPage() {
  const list = useLoad((signal) => listDatasets(signal), []);
  const creating = useSignal(false);
  const deleting = useSignal<Dataset | null>(null);
  const rows = list.data.value;
  return (
    <main class="page">
      <PageHead title={t('datasets')} action={t('register')} onAction={() => (creating.value = true)} testid="dataset-create" />
      <Err e={list.error.value} />
      {rows && !rows.length && <p class="muted">{t('none')}</p>}
      {rows && rows.length > 0 && (
        <table class="table">
          <Head cols={[t('name'), t('edition'), t('uri'), t('latest'), t('files'), t('workspace'), t('created'), '']} />
          <tbody>
            {rows.map((d) => (
              <tr key={d.DatasetId} data-testid="dataset-row" data-id={d.DatasetId}>
                <td>
                  <a href={href(['datasets', d.DatasetId])} onClick={linkClick}>
                    {d.Name}
                  </a>
                  <div class="muted small mono">{d.DatasetId}</div>
                </td>
                <td>
                  {d.Edition}
                  <div class="muted small">{d.DataType}</div>
                </td>
                <td class="mono small break">{d.Uri}</td>
                <td>
                  {d.LatestVersion && (
                    <a href={href(['datasets', d.DatasetId, 'files'], { v: d.LatestVersion.VersionName })} onClick={linkClick}>
                      {d.LatestVersion.VersionName}
                    </a>
                  )}
                </td>
                <td class="nowrap">
                  {d.LatestVersion && (
                    <>
                      {num(d.LatestVersion.DataCount)}
                      <div class="muted small">{bytes(d.LatestVersion.DataSize)}</div>
                    </>
                  )}
                </td>
                <td>{d.WorkspaceId}</td>
                <td class="nowrap">{dateTime(d.GmtCreateTime)}</td>
                <td>
                  <button type="button" class="ghost" onClick={() => (deleting.value = d)} data-testid="dataset-delete">
                    {t('delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating.value && <CreateDataset onClose={() => (creating.value = false)} />}
      {deleting.value && <DeleteDataset d={deleting.value} onClose={() => (deleting.value = null)} onDone={list.reload} />}
    </main>
  );
}

function DeleteDataset({ d, onClose, onDone }: { d: Dataset; onClose: () => void; onDone: () => void }) {
  return (
    <Confirm
      title={t('deleteTitle', { name: d.Name })}
      text={t('deleteText')}
      yes={t('delete')}
      no={t('cancel')}
      onClose={onClose}
      run={async () => {
        await del(datasetPath(d.DatasetId));
        onDone();
      }}
    />
  );
}

function CreateDataset({ onClose }: { onClose: () => void }) {
  const f = useSignal({ Name: '', Edition: 'BASIC', Uri: '', DataType: 'COMMON', Description: '', WorkspaceId: '' });
  const error = useSignal('');
  const field = (k: keyof typeof f.value) => ({ name: k, value: f.value[k], onInput: (e: Event) => (f.value = { ...f.value, [k]: (e.currentTarget as HTMLInputElement).value }) });
  const logical = f.value.Edition === 'LOGICAL';
  const submit = async (e: Event) => {
    e.preventDefault();
    error.value = '';
    const v = f.value;
    try {
      const r = await post<{ DatasetId: string }>('/api/v1/datasets', {
        Name: v.Name.trim(),
        Edition: v.Edition,
        DataType: v.DataType,
        ...(logical ? {} : { Uri: v.Uri.trim() }),
        ...(v.Description.trim() ? { Description: v.Description.trim() } : {}),
        ...(v.WorkspaceId.trim() ? { WorkspaceId: v.WorkspaceId.trim() } : {}),
      });
      toast(t('created1', { name: v.Name.trim() }));
      onClose();
      navigate(href(['datasets', r.DatasetId]));
    } catch (err) {
      error.value = errText(err);
    }
  };
  return (
    <Dialog title={t('register')} onClose={onClose}>
      <form onSubmit={submit}>
        <Field label={t('name')}>
          <input {...field('Name')} required maxLength={128} />
        </Field>
        <div class="grid2">
          <Field label={t('edition')}>
            <select {...field('Edition')}>{options(['BASIC', 'ADVANCED', 'LOGICAL'])}</select>
          </Field>
          <Field label={t('dataType')}>
            <select {...field('DataType')}>{options(['COMMON', 'PIC'])}</select>
          </Field>
        </div>
        {logical ? (
          <p class="muted">{t('logicalHelp')}</p>
        ) : (
          <Field label={t('uri')} help={t('uriHelp')}>
            <input {...field('Uri')} required placeholder="file:///…/" class="mono" />
          </Field>
        )}
        <Field label={t('description')}>
          <input {...field('Description')} maxLength={1024} />
        </Field>
        <Field label={t('workspace')}>
          <input {...field('WorkspaceId')} maxLength={64} />
        </Field>
        <Err e={error.value} />
        <Actions cancel={t('cancel')} onCancel={onClose} submit={t('create')} />
      </form>
    </Dialog>
  );
}

export function DatasetPage({ datasetId }: { datasetId: string }) {
  const ds = useLoad((signal) => get<Dataset>(datasetPath(datasetId), undefined, signal), [datasetId]);
  const versions = useLoad((signal) => listVersions(datasetId, signal), [datasetId]);
  const deleting = useSignal(false);
  const starting = useSignal<Action | null>(null);
  const d = ds.data.value;
  const vs = versions.data.value ?? [];
  const v = route.value.params.get('v') || vs[vs.length - 1]?.VersionName || '';
  return (
    <main class="page dataset-page">
      <Err e={ds.error.value} />
      {d && (
        <>
          <div class="row head">
            <h1>{d.Name}</h1>
            <span class="badge">{d.Edition}</span>
            <span class="mono muted small">{d.DatasetId}</span>
            <span class="spacer" />
            {v && (
              <a class="button" href={href(['datasets', d.DatasetId, 'files'], { v })} onClick={linkClick} data-testid="browse">
                {t('browse')} {v}
              </a>
            )}
            <button type="button" class="danger" onClick={() => (deleting.value = true)}>
              {t('delete')}
            </button>
          </div>
          {d.Description && <p>{d.Description}</p>}
          <p class="mono small break">{d.Uri}</p>
          <section>
            <h2>{t('versions')}</h2>
            <table class="table">
              <Head cols={[t('version'), t('uri'), t('files'), t('size'), t('description'), t('created'), '']} />
              <tbody>
                {vs.map((x) => (
                  <tr key={x.VersionName} class={x.VersionName === v ? 'current' : undefined} data-testid="version-row" data-id={x.VersionName}>
                    <td>
                      <a href={href(['datasets', datasetId], { v: x.VersionName })} onClick={(e) => (e.preventDefault(), setParams({ v: x.VersionName }, { replace: true }))}>
                        {x.VersionName}
                      </a>
                    </td>
                    <td class="mono small break">{x.Uri}</td>
                    <td>{num(x.DataCount)}</td>
                    <td class="nowrap">{bytes(x.DataSize)}</td>
                    <td>{x.Description}</td>
                    <td class="nowrap">{dateTime(x.GmtCreateTime)}</td>
                    <td>
                      <a href={href(['datasets', datasetId, 'files'], { v: x.VersionName })} onClick={linkClick}>
                        {t('browse')}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.Edition !== 'LOGICAL' && <NewVersion datasetId={datasetId} onMade={versions.reload} />}
          </section>
          {v && <Coverage datasetId={datasetId} version={v} logical={d.Edition === 'LOGICAL'} />}
          {d.Edition !== 'LOGICAL' && <IndexConfig datasetId={datasetId} version={v} />}
          <section>
            <div class="row head">
              <h2>{t('jobs')}</h2>
              <span class="spacer" />
              {d.Edition !== 'LOGICAL' &&
                ACTIONS.map((a) => (
                  <button type="button" key={a} onClick={() => (starting.value = a)} data-testid={`start-${a}`}>
                    {actionLabel(a)}
                  </button>
                ))}
              <a href={href(['jobs'], { dataset: datasetId })} onClick={linkClick}>
                {t('allJobs')}
              </a>
            </div>
            {d.Edition === 'LOGICAL' ? <p class="muted">{t('logicalJobs')}</p> : <JobTable datasetId={datasetId} limit={5} />}
          </section>
        </>
      )}
      {deleting.value && d && <DeleteDataset d={d} onClose={() => (deleting.value = false)} onDone={() => navigate('/datasets')} />}
      {starting.value && <JobCreate datasetId={datasetId} version={v} action={starting.value} onClose={() => (starting.value = null)} />}
    </main>
  );
}

function NewVersion({ datasetId, onMade }: { datasetId: string; onMade: () => void }) {
  const uri = useSignal('');
  const desc = useSignal('');
  const error = useSignal('');
  const submit = async (e: Event) => {
    e.preventDefault();
    error.value = '';
    try {
      const r = await post<{ VersionName: string }>(`${datasetPath(datasetId)}/versions`, {
        ...(uri.value.trim() ? { Uri: uri.value.trim() } : {}),
        ...(desc.value.trim() ? { Description: desc.value.trim() } : {}),
      });
      toast(t('versionMade', { v: r.VersionName }));
      uri.value = desc.value = '';
      onMade();
      setParams({ v: r.VersionName }, { replace: true });
    } catch (err) {
      error.value = errText(err);
    }
  };
  return (
    <form class="row inline-form" onSubmit={submit}>
      <input aria-label={t('versionUri')} placeholder={t('versionUri')} value={uri.value} onInput={(e) => (uri.value = e.currentTarget.value)} class="mono grow" />
      <input aria-label={t('description')} placeholder={t('description')} value={desc.value} onInput={(e) => (desc.value = e.currentTarget.value)} />
      <button type="submit">{t('newVersion')}</button>
      {error.value && <span class="error">{error.value}</span>}
    </form>
  );
}

const KEYS = ['Total', 'UpToDate', 'Stale', 'Failed', 'Never', 'Unusable'] as const;
const LABEL: Record<(typeof KEYS)[number], 'total' | 'upToDate' | 'stale' | 'failed' | 'never' | 'unusable'> = {
  Total: 'total',
  UpToDate: 'upToDate',
  Stale: 'stale',
  Failed: 'failed',
  Never: 'never',
  Unusable: 'unusable',
};

function Coverage({ datasetId, version, logical }: { datasetId: string; version: string; logical: boolean }) {
  const defs = useLoad((signal) => listTagDefinitions(signal), []);
  const def = useSignal('');
  const chosen = def.value || defs.data.value?.[0]?.TagDefinitionId || '';
  const cov = useLoad<{ Tags?: CoverageCounts; Vectors?: CoverageCounts }>(
    (signal) => (logical ? Promise.resolve({}) : get(`${datasetPath(datasetId)}/coverage`, { DatasetVersion: version, TagDefinitionId: chosen || undefined }, signal)),
    [datasetId, version, chosen],
  );
  if (logical) return null;
  const c = cov.data.value;
  const row = (label: string, x: CoverageCounts | undefined, id: string) => (
    <tr data-testid={`coverage-${id}`}>
      <th>{label}</th>
      {KEYS.map((k) => (
        <td key={k} data-key={k}>
          {x ? num(x[k]) : '—'}
        </td>
      ))}
    </tr>
  );
  return (
    <section>
      <div class="row head">
        <h2>{t('coverage', { v: version })}</h2>
        <span class="spacer" />
        <label class="inline">
          {t('tagDefinition')}{' '}
          <select value={chosen} onChange={(e) => (def.value = e.currentTarget.value)}>
            {!chosen && <option value="">{t('pickDefinition')}</option>}
            {(defs.data.value ?? []).map((x) => (
              <option key={x.TagDefinitionId} value={x.TagDefinitionId}>
                {x.Name} (v{x.Version})
              </option>
            ))}
          </select>
        </label>
      </div>
      <Err e={cov.error.value} />
      <table class="table coverage">
        <Head cols={['', ...KEYS.map((k) => t(LABEL[k]))]} />
        <tbody>
          {row(t('tags'), c?.Tags, 'tags')}
          {row(t('vectors'), c?.Vectors, 'vectors')}
        </tbody>
      </table>
      {c && !c.Vectors && <p class="muted small">{t('noIndexConfig')}</p>}
    </section>
  );
}

interface IndexConfigDto {
  EmbeddingConnectionId: string;
  VectorConnectionId: string;
  IndexName: string;
  ModelName: string | null;
}

function IndexConfig({ datasetId, version }: { datasetId: string; version: string }) {
  const f = useSignal<IndexConfigDto>({ EmbeddingConnectionId: '', VectorConnectionId: '', IndexName: '', ModelName: '' });
  const conns = useLoad((signal) => listConnections(signal), []);
  useLoad(
    (signal) =>
      get<IndexConfigDto>(`${datasetPath(datasetId)}/indexconfig`, undefined, signal)
        .then((x) => (f.value = { ...x, ModelName: x.ModelName ?? '' }))
        .catch(() => undefined),
    [datasetId],
  );
  const error = useSignal('');
  const job = useSignal('');
  const field = (k: keyof IndexConfigDto) => ({ value: f.value[k] ?? '', onInput: (e: Event) => (f.value = { ...f.value, [k]: (e.currentTarget as HTMLInputElement).value }) });
  const save = async (refresh: boolean) => {
    error.value = '';
    try {
      const x = f.value;
      const r = await put<{ DatasetJobId?: string }>(`${datasetPath(datasetId)}/indexconfig`, {
        EmbeddingConnectionId: x.EmbeddingConnectionId,
        VectorConnectionId: x.VectorConnectionId,
        IndexName: x.IndexName.trim(),
        ...(x.ModelName?.trim() ? { ModelName: x.ModelName.trim() } : {}),
        RefreshNow: refresh,
        DatasetVersion: version,
        JobMode: 'Increment',
      });
      toast(t('saved'));
      job.value = r.DatasetJobId ?? '';
    } catch (e) {
      error.value = errText(e);
    }
  };
  const pick = (k: keyof IndexConfigDto, p: 'embedding' | 'vector') => (
    <select {...field(k)} required>
      <option value="" />
      {usableFor(conns.data.value ?? [], p).map((c) => (
        <option key={c.ConnectionId} value={c.ConnectionId}>
          {c.ConnectionName} ({c.ConnectionType})
        </option>
      ))}
    </select>
  );
  return (
    <section>
      <h2>{t('indexConfig')}</h2>
      <form
        class="grid2"
        onSubmit={(e) => {
          e.preventDefault();
          void save(false);
        }}
      >
        <Field label={t('embedding')}>{pick('EmbeddingConnectionId', 'embedding')}</Field>
        <Field label={t('vector')}>{pick('VectorConnectionId', 'vector')}</Field>
        <Field label={t('indexName')}>
          <input {...field('IndexName')} required pattern="[a-z0-9_\-]{1,64}" class="mono" />
        </Field>
        <Field label={t('modelName')}>
          <input {...field('ModelName')} />
        </Field>
        <div class="row">
          <button type="submit">{t('save')}</button>
          {version && (
            <button type="button" onClick={(e) => (e.currentTarget.form?.reportValidity() ? save(true) : undefined)}>
              {t('saveRefresh', { v: version })}
            </button>
          )}
        </div>
      </form>
      <Err e={error.value} />
      {job.value && <JobProgress datasetId={datasetId} jobId={job.value} />}
    </section>
  );
}
