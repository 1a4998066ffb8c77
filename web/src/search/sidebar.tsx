// The search sidebar: a form view of the query (as PAI's console has it, every condition ANDed) —
// semantic text with TopK and ScoreThreshold, a query image, tags any / all / exclude with counts, file
// name, folder, last-modified range and sort. Every change prints the whole query into the DSL box;
// Enter or the button runs it. Terms the form has no field for stay in the query, listed read-only
// ("edited as text"). The histogram of the running query sits below, collapsible.
import { useComputed } from '@preact/signals';
import { parseIsoInstant } from '../../../lib/dsl/iso-instant.js';
import { draft, editForm, form, formCurrent, setForm, submit } from './draft.js';
import { emptyForm, filterText, termText, type SearchForm } from './form.js';
import { Histogram } from './histogram.js';
import { ImageSearch } from './image-search.js';
import { t } from './messages.js';
import { dataQuery, uploadedImage } from './state.js';
import { countOf, useStats } from './stats.js';
import { TagGroup } from './tag-group.js';
import './search.css';

const SORT_FIELDS = ['Score', 'FileUpdateTime', 'FileCreateTime', 'FileName', 'DataSize', 'DatasetFileMetaId'] as const;
const pad = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as a datetime-local value (the user's time zone); '' when none. */
function toLocalInput(iso: string | undefined): string {
  const ms = iso ? parseIsoInstant(iso) : undefined;
  if (ms === undefined) return '';
  const d = new Date(ms);
  const s = d.getSeconds();
  return `${String(d.getFullYear()).padStart(4, '0')}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}${s ? `:${pad(s)}` : ''}`;
}

/** A datetime-local value (the user's time zone) as an ISO instant in UTC; undefined when empty. */
function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
}

const numberOrUndefined = (v: string) => (v.trim() === '' || !Number.isFinite(Number(v)) ? undefined : Number(v));

export function Sidebar({ datasetId }: { datasetId: string }) {
  const f = form.value;
  const ro = !formCurrent.value;
  const { version } = dataQuery.value;
  const edit = editForm;
  const listId = `tag-suggestions-${datasetId}`;

  // counts beside the any/all chips: the draft's conditions (debounced); the version's tags for
  // suggestions and beside the excluded ones
  const draftFilter = useComputed(() => filterText(draft.value));
  const current = useStats(datasetId, version, f.tagsAny.length || f.tagsAll.length ? draftFilter.value : undefined, 'tags.all', 1000, 300);
  const all = useStats(datasetId, version, '', 'tags.all', 1000);

  const enterRuns = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <aside class="search-sidebar" aria-label={t('search')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {ro && (
          <p class="notice small" data-testid="form-stale">
            {t('formStale')}
          </p>
        )}
        <fieldset>
          <legend>{t('semantic')}</legend>
          <input
            type="search"
            data-testid="query-text"
            disabled={ro}
            aria-label={t('text')}
            placeholder={t('textPlaceholder')}
            value={f.text}
            onInput={(e) => edit({ text: e.currentTarget.value })}
            onKeyDown={enterRuns}
          />
          <ImageSearch datasetId={datasetId} />
          <details class="advanced" open={f.topK !== undefined || f.scoreThreshold !== undefined}>
            <summary>{t('advanced')}</summary>
            <div class="row">
              <label>
                {t('topK')}
                <input type="number" min={1} max={10000} step={1} data-testid="query-topk" disabled={ro} value={f.topK ?? ''} placeholder="100" onInput={(e) => edit({ topK: numberOrUndefined(e.currentTarget.value) })} onKeyDown={enterRuns} />
              </label>
              <label>
                {t('scoreThreshold')}
                <input type="number" min={-1} max={1} step={0.01} data-testid="query-threshold" disabled={ro} value={f.scoreThreshold ?? ''} onInput={(e) => edit({ scoreThreshold: numberOrUndefined(e.currentTarget.value) })} onKeyDown={enterRuns} />
              </label>
            </div>
            <p class="muted small">{t('advancedHelp')}</p>
          </details>
        </fieldset>

        <fieldset disabled={ro}>
          <legend>{t('tags')}</legend>
          <TagGroup group="any" label={t('tagsAny')} help={t('tagsAnyHelp')} tags={f.tagsAny} count={(x) => countOf(current.stats, x)} countTitle={t('countInQuery')} listId={listId} disabled={ro} onChange={(tagsAny) => edit({ tagsAny })} onRun={submit} />
          <TagGroup group="all" label={t('tagsAll')} help={t('tagsAllHelp')} tags={f.tagsAll} count={(x) => countOf(current.stats, x)} countTitle={t('countInQuery')} listId={listId} disabled={ro} onChange={(tagsAll) => edit({ tagsAll })} onRun={submit} />
          <TagGroup group="exclude" label={t('tagsExclude')} help={t('tagsExcludeHelp')} tags={f.tagsExclude} count={(x) => countOf(all.stats, x)} countTitle={t('countInVersion')} listId={listId} disabled={ro} onChange={(tagsExclude) => edit({ tagsExclude })} onRun={submit} />
          <datalist id={listId}>
            {all.stats?.groups.map((g) => <option key={g.key} value={g.key} label={`${g.key} (${g.count})`} />)}
          </datalist>
          {all.error && <p class="error small">{all.error}</p>}
        </fieldset>

        <fieldset disabled={ro}>
          <legend>{t('metadata')}</legend>
          <label>
            {t('fileName')}
            <input type="text" data-testid="query-filename" placeholder={t('fileNamePlaceholder')} value={f.fileName} onInput={(e) => edit({ fileName: e.currentTarget.value })} onKeyDown={enterRuns} />
          </label>
          <label>
            {t('folder')}
            <input
              type="text"
              data-testid="query-folder"
              placeholder={t('folderPlaceholder')}
              value={f.folder ?? ''}
              onInput={(e) => edit({ folder: e.currentTarget.value === '' && !f.folderExact ? undefined : e.currentTarget.value })}
              onKeyDown={enterRuns}
            />
          </label>
          <label class="inline">
            <input type="checkbox" data-testid="query-folder-exact" checked={f.folderExact} onChange={(e) => edit({ folderExact: e.currentTarget.checked, folder: f.folder ?? '' })} />
            {t('folderExact')}
          </label>
          <div class="range">
            <label>
              {t('modifiedFrom')}
              <input type="datetime-local" data-testid="query-from" value={toLocalInput(f.from)} onChange={(e) => edit({ from: fromLocalInput(e.currentTarget.value) })} onKeyDown={enterRuns} />
            </label>
            <label>
              {t('modifiedTo')}
              <input type="datetime-local" data-testid="query-to" value={toLocalInput(f.to)} onChange={(e) => edit({ to: fromLocalInput(e.currentTarget.value) })} onKeyDown={enterRuns} />
            </label>
          </div>
          <div class="row">
            <label>
              {t('sortBy')}
              <select data-testid="query-sort" value={f.sortBy ?? ''} onChange={(e) => edit({ sortBy: e.currentTarget.value || undefined })}>
                <option value="">{t('sortDefault')}</option>
                {SORT_FIELDS.map((s) => (
                  <option key={s} value={s}>
                    {t(`sort${s}` as const)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t('order')}
              <select data-testid="query-order" value={f.order ?? ''} onChange={(e) => edit({ order: (e.currentTarget.value || undefined) as SearchForm['order'] })}>
                <option value="">{t('sortDefault')}</option>
                <option value="DESC">{t('desc')}</option>
                <option value="ASC">{t('asc')}</option>
              </select>
            </label>
          </div>
        </fieldset>

        {f.extras.length > 0 && (
          <fieldset class="extras" data-testid="form-extras">
            <legend>{t('editedAsText')}</legend>
            <p class="muted small">{t('editedAsTextHelp')}</p>
            <ul class="chips">
              {f.extras.map((e, i) => (
                <li key={i} class="chip mono">
                  <span class="chip-text">{termText(e)}</span>
                  <button type="button" disabled={ro} aria-label={t('removeTerm')} title={t('removeTerm')} onClick={() => edit({ extras: f.extras.filter((x) => x !== e) })}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          </fieldset>
        )}

        <div class="row sidebar-actions">
          <button type="submit" class="primary" data-testid="sidebar-search">
            {t('search')}
          </button>
          <button
            type="button"
            class="ghost"
            data-testid="sidebar-clear"
            onClick={() => {
              uploadedImage.value = null;
              setForm(emptyForm());
              submit({ img: null });
            }}
          >
            {t('clear')}
          </button>
        </div>
      </form>
      <details class="hist-section" open>
        <summary>{t('histogram')}</summary>
        <Histogram datasetId={datasetId} />
      </details>
    </aside>
  );
}
