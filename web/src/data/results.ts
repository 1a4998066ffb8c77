// One query's results by random access: pages of PAGE metas fetched by PageNumber as the window needs
// them (the window ± a screen, plus a screen ahead in the scroll direction), an LRU of pages, and the
// fetches of pages that left the window aborted. A tile reads its page's signal, so a page arriving
// re-renders only its own tiles. Indexes are 0-based result positions under the query's order.
import { signal, type Signal } from '@preact/signals';
import { ApiError, call, seg, type Query } from '../api.js';
import type { UploadedImage } from '../search/state.js';
import type { FileMeta } from './file-meta.js';
import { PAGE } from './layout.js';
/** Pages kept once out of the window (8,000 metas, a few MB). */
const KEEP = 40;

export interface VectorSearch {
  TopK: number;
  Returned: number;
  Shortfall?: { Reason: string; Message: string };
}
interface ListAnswer {
  DatasetFileMetas: FileMeta[];
  TotalCount: number;
  DatasetVersion?: string;
  VectorSearch?: VectorSearch;
}

export class ResultSet {
  readonly total = signal<number | undefined>(undefined);
  readonly vector = signal<VectorSearch | undefined>(undefined);
  readonly error = signal<Error | null>(null);
  /** The version the server answered for (the latest when the URL names none): selections pin it. */
  readonly version = signal('');
  /** Bumped whenever a page arrives: what depends on every loaded page (justified rows) reads it. */
  readonly loaded = signal(0);
  private slots = new Map<number, Signal<FileMeta[] | undefined>>();
  /** Pages holding data, least recently used first. */
  private lru = new Set<number>();
  private inflight = new Map<number, { ctl: AbortController; done: Promise<void>; pinned: boolean }>();
  private wanted = new Set<number>();
  private disposed = false;

  constructor(
    readonly datasetId: string,
    /** The list request's fields without paging (searchFields). */
    readonly fields: Query,
    readonly upload: UploadedImage | null,
  ) {
    this.fetch(0, false);
  }

  private slot(p: number): Signal<FileMeta[] | undefined> {
    let s = this.slots.get(p);
    if (!s) this.slots.set(p, (s = signal<FileMeta[] | undefined>(undefined)));
    return s;
  }

  /** The meta at index i, or undefined while its page is not loaded (reading subscribes to that page). */
  item(i: number): FileMeta | undefined {
    return this.slot(Math.floor(i / PAGE)).value?.[i % PAGE];
  }

  /** A loaded page's metas without subscribing (the justified layout reads it under `loaded`). */
  peekPage(p: number): FileMeta[] | undefined {
    return this.slots.get(p)?.peek();
  }

  /**
   * The window moved: fetch the pages of items [first, last] not loaded yet, abort the fetches of pages
   * outside it (a page asked for by load() stays).
   */
  want(first: number, last: number): void {
    const total = this.total.peek();
    if (total !== undefined) last = Math.min(last, total - 1);
    const next = new Set<number>();
    for (let p = Math.floor(Math.max(0, first) / PAGE); p <= Math.floor(last / PAGE); p++) next.add(p);
    this.wanted = next;
    for (const [p, f] of this.inflight) if (!next.has(p) && !f.pinned) f.ctl.abort();
    for (const p of next) {
      if (this.lru.has(p)) {
        this.lru.delete(p);
        this.lru.add(p);
      } else if (!this.inflight.has(p)) this.fetch(p, false);
    }
  }

  /** The meta at index i, fetching its page if needed (the lightbox's ←/→). */
  async load(i: number): Promise<FileMeta | undefined> {
    const p = Math.floor(i / PAGE);
    if (!this.lru.has(p)) {
      const f = this.inflight.get(p);
      if (f) f.pinned = true;
      await (f?.done ?? this.fetch(p, true));
    }
    return this.slot(p).peek()?.[i % PAGE];
  }

  /** The index of a loaded meta, -1 when it is in no loaded page. */
  indexOf(id: string): number {
    for (const p of this.lru) {
      const k = this.slot(p).peek()!.findIndex((m) => m.DatasetFileMetaId === id);
      if (k >= 0) return p * PAGE + k;
    }
    return -1;
  }

  /** Replaces a meta in the page holding it (after the lightbox saved its tags). */
  patch(meta: FileMeta): void {
    for (const p of this.lru) {
      const s = this.slot(p);
      const k = s.peek()!.findIndex((m) => m.DatasetFileMetaId === meta.DatasetFileMetaId);
      if (k >= 0) s.value = s.peek()!.map((m, j) => (j === k ? meta : m));
    }
  }

  /** Asks again for the pages in the window (after a bulk edit, or Retry); the rest is dropped, the scroll stays. */
  refresh(): void {
    for (const p of [...this.lru]) if (!this.wanted.has(p)) this.evict(p);
    for (const p of this.wanted.size ? this.wanted : [0]) this.fetch(p, false);
  }

  dispose(): void {
    this.disposed = true;
    for (const f of this.inflight.values()) f.ctl.abort();
  }

  private evict(p: number): void {
    this.lru.delete(p);
    this.slots.get(p)!.value = undefined;
  }

  private fetch(p: number, pinned: boolean): Promise<void> {
    this.inflight.get(p)?.ctl.abort();
    const ctl = new AbortController();
    const query: Query = { ...this.fields, PageSize: PAGE, PageNumber: p + 1 };
    const path = `/api/v1/datasets/${seg(this.datasetId)}/datasetfilemetas`;
    const req = this.upload
      ? call<ListAnswer>('POST', `${path}/action/search`, { body: { ...query, QueryImageData: this.upload.dataUrl }, signal: ctl.signal })
      : call<ListAnswer>('GET', path, { query, signal: ctl.signal });
    const done = req.then(
      (a) => {
        if (this.disposed) return;
        this.total.value = a.TotalCount;
        if (JSON.stringify(a.VectorSearch) !== JSON.stringify(this.vector.peek())) this.vector.value = a.VectorSearch;
        this.version.value = a.DatasetVersion ?? '';
        this.error.value = null;
        this.lru.delete(p);
        this.lru.add(p);
        this.slot(p).value = a.DatasetFileMetas;
        for (const old of this.lru) {
          if (this.lru.size <= KEEP) break;
          if (!this.wanted.has(old)) this.evict(old);
        }
        this.loaded.value++;
      },
      (e: unknown) => {
        if (this.disposed || ctl.signal.aborted) return;
        this.error.value = e instanceof Error ? e : new ApiError(0, 'Error', String(e));
      },
    );
    const entry = { ctl, done, pinned };
    this.inflight.set(p, entry);
    void done.finally(() => this.inflight.get(p) === entry && this.inflight.delete(p));
    return done;
  }
}
