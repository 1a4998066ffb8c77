// The open file (URL ?item=<id>) as an overlay over the grid, which stays mounted with its scroll: the
// 1440 px image over the already cached 256 px one, its tags by group (AI, yours, AI tags you removed)
// with add/remove saved through UpdateDatasetFileMetas (Tags as PAI's JSON string), its metadata and
// score, "more like this", ←/→ through the current results (pages loaded as needed), download, Esc.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { ApiError, downloadUrl, get, put, seg, thumbnailUrl } from '../api.js';
import { bytes, dateTime } from '../i18n.js';
import { attributesOf, sizeOf, tagsOf, type FileMeta } from './file-meta.js';
import { t } from './messages.js';
import type { ResultSet } from './results.js';
import './lightbox.css';

interface Props {
  rs: ResultSet;
  id: string;
  /** Its index in the results when known, else -1 (looked up among loaded pages). */
  index: number;
  close: () => void;
  /** Show the result at index i (its meta given). */
  show: (i: number, m: FileMeta) => void;
  moreLike: (id: string) => void;
}

type TagEdit = Record<string, { add?: string[]; remove?: string[] }>;

export function Lightbox({ rs, id, index, close, show, moreLike }: Props) {
  const fetched = useSignal<FileMeta | undefined>(undefined);
  const error = useSignal('');
  const busy = useSignal(false);
  const draft = useSignal('');
  rs.loaded.value; // a page arriving may hold the item or tell its index
  const i = index >= 0 && rs.item(index)?.DatasetFileMetaId === id ? index : rs.indexOf(id);
  const m = (i >= 0 ? rs.item(i) : undefined) ?? (fetched.value?.DatasetFileMetaId === id ? fetched.value : undefined);
  const total = rs.total.value ?? 0;

  useEffect(() => {
    error.value = '';
    if (m) return;
    const ctl = new AbortController();
    get<{ DatasetFileMeta: FileMeta }>(`/api/v1/datasets/${seg(rs.datasetId)}/datasetfilemetas/${seg(id)}`, undefined, ctl.signal).then(
      (r) => (fetched.value = r.DatasetFileMeta),
      (e: unknown) => ctl.signal.aborted || (error.value = e instanceof Error ? e.message : String(e)),
    );
    return () => ctl.abort();
  }, [id]);

  const step = async (d: number) => {
    const j = i + d;
    if (i < 0 || j < 0 || j >= total) return;
    const next = rs.item(j) ?? (await rs.load(j));
    if (next) show(j, next);
  };

  // The neighbours' large images, so ←/→ show at once.
  useEffect(() => {
    if (i < 0) return;
    for (const j of [i - 1, i + 1]) {
      const n = rs.item(j);
      if (n) new Image().src = thumbnailUrl(rs.datasetId, n.DatasetFileMetaId, n.FileFingerPrint, 'large');
    }
  }, [i, m]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) {
        if (e.key === 'Escape') (e.target as HTMLElement).blur();
        return;
      }
      if (e.key === 'Escape') close();
      else if (e.key === 'ArrowLeft') void step(-1);
      else if (e.key === 'ArrowRight') void step(1);
      else return;
      e.preventDefault();
      e.stopImmediatePropagation();
    };
    addEventListener('keydown', onKey, true);
    return () => removeEventListener('keydown', onKey, true);
  });

  const edit = async (tags: TagEdit) => {
    busy.value = true;
    error.value = '';
    try {
      const path = `/api/v1/datasets/${seg(rs.datasetId)}/datasetfilemetas`;
      const r = await put<{ Status: boolean; FailedDetails: Array<{ Result: string }> }>(path, { DatasetFileMetas: [{ DatasetFileMetaId: id, Tags: JSON.stringify(tags) }] });
      if (!r.Status) throw new Error(r.FailedDetails[0]?.Result ?? 'failed');
      const fresh = (await get<{ DatasetFileMeta: FileMeta }>(`${path}/${seg(id)}`)).DatasetFileMeta;
      const updated = { ...fresh, ...(m?.Score !== undefined ? { Score: m.Score } : {}) };
      fetched.value = updated;
      rs.patch(updated);
    } catch (e) {
      error.value = t('saveFailed', { msg: e instanceof ApiError || e instanceof Error ? e.message : String(e) });
    } finally {
      busy.value = false;
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    const tags = draft.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!tags.length) return;
    draft.value = '';
    void edit({ user: { add: tags } });
  };

  const tags = m && tagsOf(m);
  const dims = m && sizeOf(m);
  const chips = (testid: string, title: string, list: string[], act: (tag: string) => TagEdit, label: 'remove' | 'restore') => (
    <section>
      <h3>{title}</h3>
      <div class="chips" data-testid={testid}>
        {list.length === 0 && <span class="muted">{t('none')}</span>}
        {list.map((tag) => (
          <span class="chip" key={tag}>
            <span class="tag">{tag}</span>
            <button type="button" class="ghost" disabled={busy.value} aria-label={t(label, { tag })} title={t(label, { tag })} onClick={() => void edit(act(tag))}>
              {label === 'remove' ? '×' : '↺'}
            </button>
          </span>
        ))}
      </div>
    </section>
  );
  const extra = m ? Object.entries(attributesOf(m)).filter(([k]) => k !== 'ImageWidth' && k !== 'ImageHeight') : [];
  const rows: Array<[string, string]> = m
    ? [
        [t('name'), m.FileName],
        [t('folder'), m.FileDir],
        ['Uri', m.Uri],
        [t('size'), bytes(m.DataSize)],
        [t('dims'), dims ? `${dims[0]} × ${dims[1]}` : ''],
        [t('format'), [m.FileFormat, m.ContentType].filter(Boolean).join(' · ')],
        [t('updated'), dateTime(m.FileUpdateTime)],
        [t('status'), m.FailReason ? `${m.Status}: ${m.FailReason}` : m.Status],
        ...(m.Comment ? [[t('comment'), m.Comment] as [string, string]] : []),
        ...extra.map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ['DatasetFileMetaId', m.DatasetFileMetaId],
      ]
    : [];

  return (
    <div class="lightbox" data-testid="lightbox" role="dialog" aria-modal="true" aria-label={m?.FileName}>
      <div class="lb-stage" onClick={(e) => e.target === e.currentTarget && close()}>
        {m && <img class="lb-small" src={thumbnailUrl(rs.datasetId, m.DatasetFileMetaId, m.FileFingerPrint, 'grid')} alt="" />}
        {m && <img class="lb-large" key={m.DatasetFileMetaId} src={thumbnailUrl(rs.datasetId, m.DatasetFileMetaId, m.FileFingerPrint, 'large')} alt={m.FileName} decoding="async" />}
        <button type="button" class="lb-nav prev" data-testid="lightbox-prev" aria-label={t('prev')} disabled={i <= 0} onClick={() => void step(-1)}>
          ‹
        </button>
        <button type="button" class="lb-nav next" data-testid="lightbox-next" aria-label={t('next')} disabled={i < 0 || i >= total - 1} onClick={() => void step(1)}>
          ›
        </button>
      </div>
      <aside class="lb-info">
        <div class="row">
          <strong class="lb-title">{m?.FileName ?? t('loading')}</strong>
          <span class="spacer" />
          <button type="button" class="ghost" data-testid="lightbox-close" aria-label={t('close')} title={t('close')} onClick={close}>
            ✕
          </button>
        </div>
        {i >= 0 && <p class="muted">{`${i + 1} / ${total}`}</p>}
        {m?.Score !== undefined && (
          <p>
            {t('score')}: <span class="badge">{m.Score.toFixed(4)}</span>
          </p>
        )}
        <div class="row">
          <button type="button" data-testid="more-like-this" onClick={() => moreLike(id)}>
            {t('moreLike')}
          </button>
          <a class="button" href={downloadUrl(rs.datasetId, id)} download={m?.FileName ?? ''} data-testid="download">
            {t('download')}
          </a>
        </div>
        {error.value && (
          <p class="error" role="alert">
            {error.value}
          </p>
        )}
        {tags && (
          <>
            {chips('tags-ai', t('tagsAi'), tags.ai.filter((x) => !tags.removed.includes(x)), (tag) => ({ 'user-delete-ai-tags': { add: [tag] } }), 'remove')}
            {chips('tags-user', t('tagsUser'), tags.user, (tag) => ({ user: { remove: [tag] } }), 'remove')}
            <form class="row" onSubmit={add}>
              <input data-testid="tag-add-input" placeholder={t('addTag')} aria-label={t('addTag')} value={draft.value} onInput={(e) => (draft.value = e.currentTarget.value)} maxLength={256} />
              <button type="submit" disabled={busy.value || !draft.value.trim()}>
                {t('add')}
              </button>
            </form>
            {chips('tags-removed', t('tagsRemoved'), tags.removed, (tag) => ({ 'user-delete-ai-tags': { remove: [tag] } }), 'restore')}
          </>
        )}
        <h3>{t('metadata')}</h3>
        <table class="table meta">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </aside>
    </div>
  );
}
