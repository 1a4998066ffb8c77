// The histogram of the running query (issue 12 item 11): how its files spread over tags, folders,
// formats and types, from the statistics API, as bars; a click on a bar adds that condition and runs.
// The statistics count metadata conditions: with a semantic or image search the note says the ranking
// itself is not counted.
import { useSignal } from '@preact/signals';
import type { Expr } from '../../../lib/dsl/ast.js';
import type { QueryField } from '../../../lib/dsl/fields.js';
import { num } from '../i18n.js';
import { editAndSubmit, form, formCurrent, runningQ } from './draft.js';
import { filterText, hasContent, readForm, type SearchForm } from './form.js';
import { t } from './messages.js';
import { dataQuery, uploadedImage } from './state.js';
import { useStats, type AggregateBy } from './stats.js';

type Dim = 'tags' | 'folders' | 'formats' | 'types';
const BY: Record<Dim, AggregateBy> = { tags: 'tags.all', folders: 'filedir', formats: 'fileformat', types: 'filetype' };
/** Bars shown; tags ask for more so that the sidebar's tag counts share the answer. */
const SHOWN = 30;
const ASKED: Record<Dim, number> = { tags: 1000, folders: SHOWN, formats: SHOWN, types: SHOWN };

/** The form to add to: the draft's, or the running query's while the draft does not parse. */
function baseForm(): SearchForm {
  if (formCurrent.value) return form.value;
  const r = readForm(runningQ.value);
  return r.ok ? r.form : form.value;
}

const equals = (field: QueryField, value: string): Expr => ({ kind: 'compare', field, op: '=', value: { kind: 'string', value }, pos: { offset: 0, line: 1, col: 1 } });
const isOn = (e: Expr, field: QueryField) => e.kind === 'compare' && e.field === field && e.op === '=';

function addCondition(dim: Dim, key: string): void {
  const f = baseForm();
  switch (dim) {
    case 'tags':
      if (!f.tagsAll.includes(key)) editAndSubmit({ tagsAll: [...f.tagsAll, key] });
      return;
    case 'folders':
      return editAndSubmit({ folder: key, folderExact: true });
    case 'formats':
    case 'types': {
      const field: QueryField = dim === 'formats' ? 'FileFormat' : 'FileType';
      return editAndSubmit({ extras: [...f.extras.filter((e) => !isOn(e, field)), equals(field, key)] });
    }
  }
}

export function Histogram({ datasetId }: { datasetId: string }) {
  const dim = useSignal<Dim>('tags');
  const d = dataQuery.value;
  const expression = filterText(d.q);
  const s = useStats(datasetId, d.version, expression, BY[dim.value], ASKED[dim.value]);
  const groups = s.stats?.groups.slice(0, SHOWN) ?? [];
  const max = Math.max(1, ...groups.map((g) => g.count));
  const ranked = d.img !== '' || uploadedImage.value !== null || hasContent(d.q);
  return (
    <section class="histogram" data-testid="histogram" aria-busy={s.loading}>
      <div class="hist-tabs" role="tablist">
        {(Object.keys(BY) as Dim[]).map((k) => (
          <button key={k} type="button" role="tab" class={k === dim.value ? 'on' : ''} aria-selected={k === dim.value} data-testid={`hist-${k}`} onClick={() => (dim.value = k)}>
            {t(k)}
          </button>
        ))}
      </div>
      {expression === undefined && <p class="muted">{t('histNeedsValidQuery')}</p>}
      {s.error && <p class="error">{s.error}</p>}
      {s.stats && groups.length === 0 && <p class="muted">{t('histEmpty')}</p>}
      <ol class="hist-bars">
        {groups.map((g) => (
          <li key={g.key}>
            <button type="button" data-testid="hist-bar" data-key={g.key} data-count={g.count} title={t('histAdd', { what: g.key || t('root') })} onClick={() => addCondition(dim.value, g.key)}>
              <span class="hist-label">{g.key === '' ? t(dim.value === 'folders' ? 'root' : 'none') : g.key}</span>
              <span class="hist-track">
                <span class="hist-fill" style={{ width: `${(g.count / max) * 100}%` }} />
              </span>
              <span class="hist-count">{num(g.count)}</span>
            </button>
          </li>
        ))}
      </ol>
      {s.stats && (
        <p class="muted small">
          {t(s.stats.total > groups.length ? 'histSomeGroups' : 'histAllGroups', { shown: groups.length, total: s.stats.total, files: s.stats.files })}
        </p>
      )}
      {ranked && <p class="muted small">{t('histRankedNote')}</p>}
    </section>
  );
}
