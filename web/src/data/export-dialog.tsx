// Export the selection or every result of the query: to a folder in one of FileMetaExport's formats, or
// as a new version of a LOGICAL dataset. It creates the job (JobSpec {query, selection, exportDirUri and
// format | logicalDatasetId}; the server resolves the selection when the export runs) and shows its
// progress until it ends, then what it wrote.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiError, get, post, seg, type Query } from '../api.js';
import { href, linkClick } from '../route.js';
import { jobHref } from '../pages/jobs.js';
import { Dialog } from '../ui/dialog.js';
import { JobProgress, type DatasetJob } from '../ui/job-progress.js';
import { scopeSelection, ScopeChoice } from './bulk-tags.js';
import { t } from './messages.js';
import type { ResultSet } from './results.js';
import type { Selection } from './selection.js';

const FORMATS = [
  ['pai', 'fmtPai'],
  ['manifest', 'fmtManifest'],
  ['csv', 'fmtCsv'],
  ['gme', 'fmtGme'],
] as const;

export function ExportDialog({ rs, sel, query, onClose }: { rs: ResultSet; sel: Selection; query: Query; onClose: () => void }) {
  const all = useSignal(sel.count.peek() === 0);
  const target = useSignal<'file' | 'logical'>('file');
  const dir = useSignal('');
  const format = useSignal('manifest');
  const logical = useSignal<Array<{ DatasetId: string; Name: string }> | undefined>(undefined);
  const logicalId = useSignal('');
  const busy = useSignal(false);
  const error = useSignal('');
  const jobId = useSignal('');
  const done = useSignal<DatasetJob | undefined>(undefined);

  useEffect(() => {
    get<{ Datasets: Array<{ DatasetId: string; Name: string }> }>('/api/v1/datasets', { Edition: 'LOGICAL', PageSize: 100 }).then(
      (r) => {
        logical.value = r.Datasets;
        logicalId.value = r.Datasets[0]?.DatasetId ?? '';
      },
      () => (logical.value = []),
    );
  }, []);

  const start = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = '';
    try {
      const s = scopeSelection(sel, query, all.value);
      const selection = { all: s.All, ranges: s.Ranges, included: s.Included, excluded: s.Excluded };
      const JobSpec = {
        query,
        selection,
        ...(target.value === 'file' ? { exportDirUri: dir.value.trim(), format: format.value } : { logicalDatasetId: logicalId.value }),
      };
      const r = await post<{ DatasetJobId: string }>(`/api/v1/datasets/${seg(rs.datasetId)}/datasetjobs`, {
        DatasetVersion: query.DatasetVersion || undefined,
        JobAction: 'FileMetaExport',
        JobSpec,
      });
      jobId.value = r.DatasetJobId;
    } catch (err) {
      error.value = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    } finally {
      busy.value = false;
    }
  };

  const out = done.value?.Output;
  const started = !!jobId.value;
  return (
    <Dialog title={t('exportTitle')} onClose={onClose}>
      <form onSubmit={start} data-testid="export-dialog">
        <fieldset disabled={started}>
          <ScopeChoice sel={sel} total={rs.total.value ?? 0} all={all} />
          <label class="inline">
            <input type="radio" name="target" checked={target.value === 'file'} onChange={() => (target.value = 'file')} />
            {t('toFolder')}
          </label>
          {target.value === 'file' && (
            <div class="stack dv-indent">
              <label>
                {t('folderUri')}
                <input data-testid="export-dir" value={dir.value} placeholder="file:///data/exports/cats/" required onInput={(e) => (dir.value = e.currentTarget.value)} />
              </label>
              <label>
                {t('format')}
                <select data-testid="export-format" value={format.value} onChange={(e) => (format.value = e.currentTarget.value)}>
                  {FORMATS.map(([v, k]) => (
                    <option value={v}>{t(k)}</option>
                  ))}
                </select>
              </label>
            </div>
          )}
          <label class="inline">
            <input type="radio" name="target" checked={target.value === 'logical'} onChange={() => (target.value = 'logical')} />
            {t('toLogical')}
          </label>
          {target.value === 'logical' && (
            <div class="dv-indent">
              {logical.value?.length === 0 ? (
                <p class="muted">{t('noLogical')}</p>
              ) : (
                <label>
                  {t('logicalDataset')}
                  <select data-testid="export-logical" value={logicalId.value} onChange={(e) => (logicalId.value = e.currentTarget.value)}>
                    {logical.value?.map((d) => (
                      <option value={d.DatasetId}>{d.Name}</option>
                    ))}
                  </select>
                </label>
              )}
            </div>
          )}
        </fieldset>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        {started && <JobProgress datasetId={rs.datasetId} jobId={jobId.value} onEnd={(j) => (done.value = j)} />}
        {out && (
          <p data-testid="export-output">
            {out.VersionName && out.DatasetId ? (
              <>
                {t('madeVersion', { v: out.VersionName })}{' '}
                <a href={href(['datasets', out.DatasetId, 'files'], { v: out.VersionName })} onClick={linkClick}>
                  {out.DatasetId}
                </a>
              </>
            ) : (
              <>
                {t('wrote', { n: out.FileCount })} <code>{out.Uri}</code>
              </>
            )}
          </p>
        )}
        <div class="actions">
          {started && (
            <a class="button" href={jobHref({ DatasetId: rs.datasetId, DatasetJobId: jobId.value })} onClick={linkClick}>
              {t('openJob')}
            </a>
          )}
          <button type="button" onClick={onClose}>
            {t('close')}
          </button>
          {!started && (
            <button type="submit" class="primary" data-testid="export-start" disabled={busy.value || (target.value === 'logical' && !logicalId.value)}>
              {t('start')}
            </button>
          )}
        </div>
      </form>
    </Dialog>
  );
}
