// The data view of a dataset version (/datasets/:id/files?v=&q=&img=&view=&layout=&item=): a header
// (dataset, version, result count, view and layout switches), the query bar and the search sidebar
// (search/), the selection bar, the one result grid, and the lightbox over it. Everything it shows is
// the URL's: a copied URL shows the same results, view and open file; Back restores the scroll anchor.
import { effect, useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { ApiError, get, seg } from '../api.js';
import { route } from '../route.js';
import { QueryBar } from '../search/query-bar.js';
import { Sidebar } from '../search/sidebar.js';
import { dataQuery, queryError, queryIsReplayable, queryKey, searchFields, uploadedImage } from '../search/state.js';
import { BulkTags } from './bulk-tags.js';
import { ExportDialog } from './export-dialog.js';
import { ResultGrid, type Anchor, type GridHandle } from './grid.js';
import { KeySheet, useGridKeys } from './keys.js';
import { Lightbox } from './lightbox.js';
import { t } from './messages.js';
import { dvState, go } from './params.js';
import { ResultSet } from './results.js';
import { Selection } from './selection.js';
import './data-view.css';

interface Version {
  VersionName: string;
  DataCount: number;
}

/** The Uri of each file named by img= (QueryImage takes a URI), looked up once. */
const imageUris = new Map<string, string>();

export function DataView({ datasetId }: { datasetId: string }) {
  const d = dataQuery.value;
  const upload = uploadedImage.value;
  const key = queryKey.value;
  const params = route.value.params;
  const view = params.get('view') === 'list' ? 'list' : 'grid';
  const mode = params.get('layout') === 'justified' ? 'justified' : 'fixed';
  const item = params.get('item') ?? '';

  const name = useSignal('');
  const versions = useSignal<Version[]>([]);
  const imgResolved = useSignal(0);
  const imgError = useSignal('');
  const dialog = useSignal<'tags' | 'export' | null>(null);
  const help = useSignal(false);
  const focus = useSignal(-1);
  const openIndex = useSignal(-1);
  const grid = useRef<GridHandle | undefined>(undefined);

  useEffect(() => {
    get<{ Name: string }>(`/api/v1/datasets/${seg(datasetId)}`).then((r) => (name.value = r.Name), () => undefined);
    get<{ DatasetVersions: Version[] }>(`/api/v1/datasets/${seg(datasetId)}/versions`, { PageSize: 100, Order: 'DESC' }).then(
      (r) => (versions.value = r.DatasetVersions),
      () => undefined,
    );
  }, [datasetId]);

  // img=<id>: the list request needs that file's Uri.
  const imgKey = `${datasetId}/${d.img}`;
  imgResolved.value;
  const imgUri = d.img ? imageUris.get(imgKey) : undefined;
  useEffect(() => {
    imgError.value = '';
    if (!d.img || imageUris.has(imgKey)) return;
    const ctl = new AbortController();
    get<{ DatasetFileMeta: { Uri: string } }>(`/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(d.img)}`, undefined, ctl.signal).then(
      (r) => {
        imageUris.set(imgKey, r.DatasetFileMeta.Uri);
        imgResolved.value++;
      },
      (e: unknown) => ctl.signal.aborted || (imgError.value = e instanceof Error ? e.message : String(e)),
    );
    return () => ctl.abort();
  }, [imgKey]);

  const ready = !d.img || imgUri !== undefined;
  const rs = useMemo(() => (ready ? new ResultSet(datasetId, searchFields(d, imgUri), upload) : null), [key, ready]);
  const sel = useMemo(() => new Selection(), [key]);
  // Where this history entry's grid was (Back), read once per query.
  const restore = useMemo<Anchor | undefined>(() => dvState().dvAnchor, [key]);
  useEffect(() => {
    focus.value = -1;
    return () => rs?.dispose();
  }, [rs]);
  useEffect(
    () =>
      effect(() => {
        const e = rs?.error.value;
        queryError.value = e instanceof ApiError ? e : null;
        sel.setTotal(rs?.total.value ?? 0);
      }),
    [rs, sel],
  );

  /** The query a selection or an export replays: the list fields with the version the server answered for. */
  const pinned = { ...(rs?.fields ?? {}), DatasetVersion: rs?.version.value || d.version || undefined };

  // history.replaceState costs milliseconds: the anchor is written once the scrolling has rested a while.
  // Only onto the entry it was taken in: a link followed meanwhile made another one.
  const saveTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const saveAnchor = (a: Anchor) => {
    clearTimeout(saveTimer.current);
    const at = location.href;
    saveTimer.current = setTimeout(() => location.href === at && history.replaceState({ ...dvState(), dvAnchor: a }, ''), 250);
  };
  useEffect(() => () => clearTimeout(saveTimer.current), []);

  const open = (i: number) => {
    const m = rs?.item(i);
    if (!m) return;
    openIndex.value = i;
    go({ item: m.DatasetFileMetaId }, { state: { dvLightbox: true } });
  };
  const close = () => {
    if (dvState().dvLightbox) history.back();
    else go({ item: null });
  };

  useGridKeys({
    sel,
    focus,
    grid,
    total: rs?.total.value ?? 0,
    idAt: (i) => rs?.item(i)?.DatasetFileMetaId,
    open,
    help,
    active: !item && !dialog.value,
  });

  const total = rs?.total.value;
  const vector = rs?.vector.value;
  const failure = rs?.error.value;
  // A query-language error is shown by the query bar, underlined where the API says.
  const inQuery = failure instanceof ApiError && (failure.offset !== undefined || failure.field === 'QueryExpression');
  const error = imgError.value || (inQuery ? '' : failure?.message);
  const replayable = queryIsReplayable.value;
  const switcher = <T extends string>(value: T, set: (v: T) => void, options: Array<[T, string, string]>) => (
    <div class="dv-seg" role="group">
      {options.map(([v, label, testid]) => (
        <button type="button" data-testid={testid} aria-pressed={value === v} class={value === v ? 'on' : ''} onClick={() => set(v)}>
          {label}
        </button>
      ))}
    </div>
  );

  return (
    <main class="dv">
      <header class="dv-head">
        <h1 title={datasetId}>{name.value || datasetId}</h1>
        <select aria-label={t('version')} data-testid="version" value={d.version} onChange={(e) => go({ v: e.currentTarget.value, item: null })}>
          <option value="">{t('latest')}</option>
          {versions.value.map((v) => (
            <option value={v.VersionName}>{v.VersionName}</option>
          ))}
        </select>
        <span class="dv-count" data-testid="result-count">
          {total === undefined ? (failure ? '' : t('loading')) : vector && vector.TopK > total ? t('resultsOf', { n: total, k: vector.TopK }) : t('results', { n: total })}
        </span>
        <span class="spacer" />
        {switcher(view, (v) => go({ view: v === 'grid' ? null : v }), [
          ['grid', t('viewGrid'), 'view-grid'],
          ['list', t('viewList'), 'view-list'],
        ])}
        {view === 'grid' &&
          switcher(mode, (v) => go({ layout: v === 'fixed' ? null : v }), [
            ['fixed', t('layoutFixed'), 'layout-fixed'],
            ['justified', t('layoutJustified'), 'layout-justified'],
          ])}
        <button type="button" class="ghost" title={t('keys')} aria-label={t('keys')} onClick={() => (help.value = true)}>
          ?
        </button>
      </header>
      <div class="dv-query">
        <QueryBar datasetId={datasetId} />
      </div>
      <Sidebar datasetId={datasetId} />
      <section class="dv-results">
        <SelectionBar sel={sel} total={total ?? 0} replayable={replayable} open={(d) => (dialog.value = d)} />
        {!replayable && <p class="dv-note">{t('needsUrl')}</p>}
        {vector?.Shortfall && (
          <p class="dv-note" data-testid="shortfall">
            {t('shortfall', { msg: vector.Shortfall.Message })}
          </p>
        )}
        {error && (
          <p class="dv-note error" role="alert" data-testid="list-error">
            {t('failed', { msg: error })}
            {rs && (
              <button type="button" class="ghost" onClick={() => rs.refresh()}>
                {t('retry')}
              </button>
            )}
          </p>
        )}
        {total === 0 && !error && <p class="dv-empty muted">{t('empty')}</p>}
        {rs && (
          <ResultGrid
            key={key}
            rs={rs}
            sel={sel}
            view={view}
            mode={mode}
            focus={focus}
            onOpen={open}
            handle={grid}
            restore={restore}
            onSettle={saveAnchor}
          />
        )}
      </section>
      {rs && item && (
        <Lightbox
          rs={rs}
          id={item}
          index={openIndex.value}
          close={close}
          show={(i, m) => {
            openIndex.value = i;
            focus.value = i;
            grid.current?.reveal(i);
            go({ item: m.DatasetFileMetaId }, { replace: true, state: history.state });
          }}
          moreLike={(id) => {
            uploadedImage.value = null;
            go({ img: id, item: null });
          }}
        />
      )}
      {rs && dialog.value === 'tags' && <BulkTags rs={rs} sel={sel} query={pinned} onClose={() => (dialog.value = null)} />}
      {rs && dialog.value === 'export' && <ExportDialog rs={rs} sel={sel} query={pinned} onClose={() => (dialog.value = null)} />}
      {help.value && <KeySheet onClose={() => (help.value = false)} />}
    </main>
  );
}

/** The count and the actions on the selection: its own component, so a toggle re-renders it, not the grid. */
function SelectionBar({ sel, total, replayable, open }: { sel: Selection; total: number; replayable: boolean; open: (d: 'tags' | 'export') => void }) {
  const count = sel.count.value;
  sel.bulk.value; // `all` shows on the select-all button
  return (
    <div class={`dv-selbar${count ? ' active' : ''}`}>
      <span data-testid="selection-count">{t('selected', { n: count })}</span>
      {!!total && (
        <button type="button" data-testid="select-all-matching" disabled={sel.all && !sel.excluded.size} onClick={() => sel.selectAll()}>
          {t('selectAll', { n: total })}
        </button>
      )}
      {count > 0 && (
        <button type="button" class="ghost" data-testid="selection-clear" onClick={() => sel.clear()}>
          {t('clear')}
        </button>
      )}
      <span class="spacer" />
      <button type="button" data-testid="bulk-tags" disabled={!replayable || !total} onClick={() => open('tags')}>
        {t('bulkTags')}
      </button>
      <button type="button" data-testid="export" disabled={!replayable || !total} onClick={() => open('export')}>
        {t('export')}
      </button>
    </div>
  );
}
