// The one result grid of browsing, search and "more like this": gallery (fixed or justified) and list
// view on the same windower (ScaledScroll), the same layouts and the same selection. Only the items of
// the viewport ± half a screen are in the DOM; their pages are fetched with a screen more on each side
// and one ahead in the scroll direction. A tile leaving the window drops its <img> (the browser cancels
// the fetch). The top item and its offset are the scroll anchor: kept across resizes, view switches and
// late-arriving justified chunks, and saved in history.state when the scrolling settles.
import { effect, useComputed, useSignal, type Signal } from '@preact/signals';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { thumbnailUrl } from '../api.js';
import { bytes, dateTime, locale } from '../i18n.js';
import { aspectOf, sizeOf, tagsOf, type FileMeta } from './file-meta.js';
import { cellLayout, GAP, justifiedLayout, type Box, type JustifiedCache, type Layout } from './layout.js';
import { t } from './messages.js';
import type { ResultSet } from './results.js';
import { ScaledScroll } from './scaled-scroll.js';
import type { Selection } from './selection.js';
import './grid.css';

const CELL = 180;
const ROW_H = 40;

/** Where the viewport's top is: an item and how far below its top. */
export interface Anchor {
  i: number;
  off: number;
  id?: string;
}

/** What the data view asks of the grid (keyboard and lightbox). */
export interface GridHandle {
  reveal(i: number): void;
  neighbour(i: number, key: 'ArrowUp' | 'ArrowDown' | 'ArrowLeft' | 'ArrowRight'): number;
}

interface Props {
  rs: ResultSet;
  sel: Selection;
  view: 'grid' | 'list';
  mode: 'fixed' | 'justified';
  focus: Signal<number>;
  onOpen: (i: number) => void;
  handle: { current?: GridHandle };
  /** Where to start (history.state's anchor of this URL), else the top. */
  restore?: Anchor;
  onSettle: (a: Anchor) => void;
}

interface Drawn {
  items: Array<[number, Box]>;
  shift: number;
  layout?: Layout;
}

export function ResultGrid(p: Props) {
  const { rs, view, mode } = p;
  const scroller = useRef<HTMLDivElement>(null);
  const spacer = useRef<HTMLDivElement>(null);
  const size = useSignal({ w: 0, h: 0 });
  const drawn = useSignal<Drawn>({ items: [], shift: 0 });
  const cache = useMemo<JustifiedCache>(() => ({ width: 0, chunks: new Map() }), []);
  const anchor = useRef<Anchor | undefined>(p.restore);
  const scroll = useRef<ScaledScroll | undefined>(undefined);
  const lastTop = useRef(0);

  const n = rs.total.value ?? 0;
  const { w, h } = size.value;
  const justified = view === 'grid' && mode === 'justified';
  const loaded = justified ? rs.loaded.value : 0;
  const layout = useMemo<Layout>(
    () =>
      view === 'list'
        ? cellLayout(n, w, w, 0, ROW_H)
        : justified
          ? justifiedLayout(n, w, CELL, GAP, (c) => rs.peekPage(c)?.map(aspectOf), cache)
          : cellLayout(n, w, CELL, GAP),
    [view, justified, n, w, loaded],
  );
  const L = useRef(layout);
  L.current = layout;

  const anchorAt = (s: ScaledScroll): Anchor | undefined => {
    const i = L.current.hit(0, s.top);
    return i < 0 ? undefined : { i, off: s.top - L.current.box(i).y, id: rs.item(i)?.DatasetFileMetaId };
  };

  const draw = (user: boolean) => {
    const s = scroll.current!;
    const vh = s.viewport;
    const items: Array<[number, Box]> = [];
    L.current.visit(s.top - vh / 2, s.top + vh * 1.5, (i, b) => items.push([i, b]));
    const cur = drawn.peek();
    const shift = s.shift;
    if (cur.shift !== shift || cur.layout !== L.current || cur.items.length !== items.length || cur.items[0]?.[0] !== items[0]?.[0]) {
      drawn.value = { items, shift, layout: L.current };
    }
    if (user && L.current.n) anchor.current = anchorAt(s);
    const dir = s.top - lastTop.current;
    lastTop.current = s.top;
    if (L.current.n) rs.want(L.current.hit(0, s.top - vh - (dir < 0 ? vh : 0)), L.current.hit(1e9, s.top + 2 * vh + (dir > 0 ? vh : 0)));
  };

  useEffect(() => {
    const el = scroller.current!;
    const s = new ScaledScroll(el, spacer.current!, draw, () => {
      const a = anchorAt(s);
      if (a && L.current.n) p.onSettle(a);
    });
    scroll.current = s;
    // Draw at once: the layout may already be known (cached results) and the first measure may change nothing.
    s.resize(L.current.height, el.clientHeight);
    const ro = new ResizeObserver(() => {
      const next = { w: el.clientWidth, h: el.clientHeight };
      if (next.w === size.peek().w && next.h === size.peek().h) s.resize(L.current.height, next.h);
      else size.value = next;
      el.parentElement!.style.setProperty('--sbw', `${el.offsetWidth - el.clientWidth}px`);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      s.dispose();
    };
  }, []);

  // A new layout (width, view, count, a justified chunk laid out): the anchor item stays where it was.
  useLayoutEffect(() => {
    const s = scroll.current;
    if (!s) return;
    s.resize(layout.height, h);
    const a = anchor.current;
    if (a && a.i < layout.n) s.scrollTo(layout.box(a.i).y + a.off);
  }, [layout, h]);

  // Back restores by index at once; if the anchor's file has moved since (the results changed), its id
  // wins once a loaded page holds it, unless the user has scrolled meanwhile.
  useEffect(() => {
    const a = p.restore;
    let pending = !!a?.id;
    return effect(() => {
      rs.loaded.value;
      const at = pending ? rs.indexOf(a!.id!) : -1;
      if (at < 0) return;
      pending = false;
      if (at !== a!.i && anchor.current === a) {
        anchor.current = { ...a!, i: at };
        scroll.current?.scrollTo(L.current.box(at).y + a!.off);
      }
    });
  }, []);

  p.handle.current = {
    reveal(i) {
      const s = scroll.current;
      if (!s || i < 0 || i >= L.current.n) return;
      const b = L.current.box(i);
      if (b.y < s.top) s.scrollTo(b.y - GAP);
      else if (b.y + b.h > s.top + s.viewport) s.scrollTo(b.y + b.h - s.viewport + GAP);
      anchor.current = anchorAt(s);
    },
    neighbour(i, key) {
      const last = L.current.n - 1;
      if (key === 'ArrowLeft') return Math.max(0, i - 1);
      if (key === 'ArrowRight') return Math.min(last, i + 1);
      const b = L.current.box(i);
      const j = L.current.hit(b.x + b.w / 2, key === 'ArrowUp' ? b.y - GAP - 1 : b.y + b.h + GAP + 1);
      return j < 0 ? i : j;
    },
  };

  const { items, shift } = drawn.value;
  const Item = view === 'list' ? Row : Tile;
  return (
    <div class={`dv-grid ${view}`}>
      {view === 'list' && (
        <div class="lrow lhead" role="row">
          <span />
          <span />
          <span>{t('name')}</span>
          <span>{t('folder')}</span>
          <span>{t('size')}</span>
          <span>{t('dims')}</span>
          <span>{t('updated')}</span>
          <span>{t('tags')}</span>
          <span>{t('score')}</span>
        </div>
      )}
      <div class="dv-scroll" ref={scroller} role="listbox" aria-multiselectable="true" tabIndex={0}>
        <div class="dv-canvas" ref={spacer}>
          {items.map(([i, b]) => (
            <Item key={i} i={i} b={b} shift={shift} {...p} />
          ))}
        </div>
      </div>
    </div>
  );
}

interface ItemProps extends Props {
  i: number;
  b: Box;
  shift: number;
}

/** Selection, focus and click handling shared by tiles and rows. */
function useItem({ rs, sel, focus, onOpen, i }: ItemProps) {
  const m = rs.item(i);
  const id = m?.DatasetFileMetaId;
  const selected = useComputed(() => sel.has(i, rs.item(i)?.DatasetFileMetaId)).value;
  const focused = useComputed(() => focus.value === i).value;
  useEffect(() => (id ? sel.use(id) : undefined), [id]);
  const check = (e: MouseEvent) => {
    e.stopPropagation();
    focus.value = i;
    if (e.shiftKey) sel.extend(i);
    else if (id) sel.toggle(i, id);
  };
  const click = (e: MouseEvent) => {
    if (e.shiftKey || e.ctrlKey || e.metaKey) return check(e);
    focus.value = i;
    onOpen(i);
  };
  const box = (
    <button
      type="button"
      class="check"
      data-testid="tile-check"
      role="checkbox"
      aria-checked={selected}
      aria-label={t('select')}
      tabIndex={-1}
      onMouseDown={noFocus}
      onClick={check}
    />
  );
  const cls = `${selected ? ' sel' : ''}${focused ? ' focus' : ''}${m ? '' : ' ph'}`;
  return { m, box, cls, click };
}

/** A click on a tile gives the keyboard to the grid (out of a search field), without a focus ring on the tile. */
const noFocus = (e: MouseEvent) => {
  e.preventDefault();
  ((e.currentTarget as HTMLElement).closest('.dv-scroll') as HTMLElement | null)?.focus({ preventScroll: true });
};

function Tile(p: ItemProps) {
  const { m, box, cls, click } = useItem(p);
  const { b, shift, rs, i } = p;
  return (
    <div
      class={`tile${cls}`}
      data-testid="tile"
      data-index={i}
      data-id={m?.DatasetFileMetaId}
      role="option"
      aria-selected={cls.includes('sel')}
      title={m?.FileName}
      style={{ transform: `translate(${b.x}px,${b.y - shift}px)`, width: `${b.w}px`, height: `${b.h}px` }}
      onMouseDown={noFocus}
      onClick={click}
    >
      {m && <span class="nm">{m.FileName}</span>}
      {m && (
        <img
          src={thumbnailUrl(rs.datasetId, m.DatasetFileMetaId, m.FileFingerPrint, 'grid')}
          alt={m.FileName}
          loading="lazy"
          decoding="async"
          draggable={false}
          onError={(e) => e.currentTarget.classList.add('broken')}
        />
      )}
      {box}
      {m?.Score !== undefined && <span class="score">{m.Score.toFixed(3)}</span>}
    </div>
  );
}

/** A row's formatted cells, made once per meta and locale (rows re-render whenever the window moves). */
const cellCache = new WeakMap<FileMeta, { loc: string; cells: string[] }>();
function cellsOf(m: FileMeta): string[] {
  const loc = locale.value;
  const hit = cellCache.get(m);
  if (hit?.loc === loc) return hit.cells;
  const dims = sizeOf(m);
  const cells = [m.FileName, m.FileDir, bytes(m.DataSize), dims ? `${dims[0]} × ${dims[1]}` : '', dateTime(m.FileUpdateTime), tagsOf(m).all.join(', '), m.Score?.toFixed(3) ?? ''];
  cellCache.set(m, { loc, cells });
  return cells;
}

function Row(p: ItemProps) {
  const { m, box, cls, click } = useItem(p);
  const { b, shift, rs, i } = p;
  const cells = m ? cellsOf(m) : ['', '', '', '', '', '', ''];
  return (
    <div
      class={`lrow${cls}`}
      data-testid="row"
      data-index={i}
      data-id={m?.DatasetFileMetaId}
      role="option"
      aria-selected={cls.includes('sel')}
      style={{ transform: `translateY(${b.y - shift}px)`, height: `${b.h}px` }}
      onMouseDown={noFocus}
      onClick={click}
    >
      {box}
      {m ? <img src={thumbnailUrl(rs.datasetId, m.DatasetFileMetaId, m.FileFingerPrint, 'grid')} alt="" loading="lazy" decoding="async" draggable={false} /> : <span />}
      {cells.map((c, k) => (
        <span title={k < 2 ? c : undefined}>{c}</span>
      ))}
    </div>
  );
}
