// Add/remove user tags on the selection or on every result of the query, in one request the server
// resolves (POST …/datasetfilemetas/action/updatetags {Selection, AddTags, RemoveTags}); shows the
// server's Updated count, then the grid asks again for the pages on screen, keeping its place.
import { useSignal } from '@preact/signals';
import { ApiError, post, seg, type Query } from '../api.js';
import { Dialog } from '../ui/dialog.js';
import { t } from './messages.js';
import type { ResultSet } from './results.js';
import type { Selection, WireSelection } from './selection.js';

const list = (s: string) => [...new Set(s.split(',').map((x) => x.trim()).filter(Boolean))];

/** The selection to send: the user's, or every result of the query. */
export function scopeSelection(sel: Selection, query: Query, all: boolean): WireSelection {
  return all ? { Query: query, All: true } : sel.toWire(query);
}

/** "the selection (n)" / "every result (n)": the scope choice of the bulk dialogs. */
export function ScopeChoice({ sel, total, all }: { sel: Selection; total: number; all: { value: boolean } }) {
  return (
    <fieldset>
      <legend>{t('scope')}</legend>
      <label class="inline">
        <input type="radio" name="scope" checked={!all.value} disabled={sel.count.value === 0} onChange={() => (all.value = false)} />
        {t('scopeSelection', { n: sel.count.value })}
      </label>
      <label class="inline">
        <input type="radio" name="scope" checked={all.value} onChange={() => (all.value = true)} />
        {t('scopeAll', { n: total })}
      </label>
    </fieldset>
  );
}

export function BulkTags({ rs, sel, query, onClose }: { rs: ResultSet; sel: Selection; query: Query; onClose: () => void }) {
  const all = useSignal(sel.count.peek() === 0);
  const add = useSignal('');
  const remove = useSignal('');
  const busy = useSignal(false);
  const error = useSignal('');
  const updated = useSignal<number | undefined>(undefined);
  const apply = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = '';
    try {
      const r = await post<{ Updated: number }>(`/api/v1/datasets/${seg(rs.datasetId)}/datasetfilemetas/action/updatetags`, {
        Selection: scopeSelection(sel, query, all.value),
        AddTags: list(add.value),
        RemoveTags: list(remove.value),
      });
      updated.value = r.Updated;
      rs.refresh();
    } catch (err) {
      error.value = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    } finally {
      busy.value = false;
    }
  };
  const empty = !list(add.value).length && !list(remove.value).length;
  return (
    <Dialog title={t('bulkTitle')} onClose={onClose}>
      <form onSubmit={apply} data-testid="bulk-tags-dialog">
        <ScopeChoice sel={sel} total={rs.total.value ?? 0} all={all} />
        <label>
          {t('addTags')}
          <input data-testid="bulk-add" value={add.value} onInput={(e) => (add.value = e.currentTarget.value)} />
        </label>
        <label>
          {t('removeTags')}
          <input data-testid="bulk-remove" value={remove.value} onInput={(e) => (remove.value = e.currentTarget.value)} />
        </label>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        {updated.value !== undefined && (
          <p class="ok" data-testid="bulk-updated">
            {t('updated_n', { n: updated.value })}
          </p>
        )}
        <div class="actions">
          <button type="button" onClick={onClose}>
            {t('close')}
          </button>
          <button type="submit" class="primary" disabled={busy.value || empty} data-testid="bulk-apply">
            {t('apply')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
