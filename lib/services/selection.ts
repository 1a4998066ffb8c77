// The console's selection (lib/domain/selection.ts) resolved against its search: which results it
// selects, in the search's order. A metadata search is walked by ids alone (the store reads no row), from
// the first range when nothing else can be selected before it, and only as far as the last range when
// the rest is a handful of included ids (those are then asked for by id, in the same order); so a
// selection over a million results resolves without holding them. A vector search is ranked whole (at
// most TopK results) and walked as it is. Used by the selection routes and by FileMetaExport.
import { invalid } from '../domain/errors.js';
import { mergedRanges, rangeCursor, selectsNothing, type Selection } from '../domain/selection.js';
import type { UserTagEdit } from '../ports/meta-store.js';
import { datasetIn } from './dataset-access.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { SearchParams, SearchService } from './search.js';

/** Ids asked of the store per page while walking a search. */
const WALK_PAGE = 10_000;
/** Metas whose tags are edited per store transaction. */
const WRITE_BATCH = 1000;
/** The most ids resolveselection returns. */
export const MAX_RESOLVED_IDS = 100_000;

/** Decides, result by result in the search's order, whether the selection holds it. */
export class SelectionChooser {
  private readonly excluded: Set<string>;
  /** Included ids not met yet. */
  readonly pending: Set<string>;
  private readonly inRange: (index: number) => boolean;
  /** The last index any range reaches (-1: no range). */
  readonly lastRangeIndex: number;
  /** The first index anything can be selected at (0 unless only ranges select). */
  readonly firstIndex: number;

  constructor(private readonly sel: Selection) {
    this.excluded = new Set(sel.excluded ?? []);
    this.pending = new Set((sel.included ?? []).filter((id) => !this.excluded.has(id)));
    const ranges = mergedRanges(sel.ranges);
    this.inRange = rangeCursor(ranges);
    this.lastRangeIndex = ranges.length ? ranges[ranges.length - 1]![1] : -1;
    this.firstIndex = !sel.all && this.pending.size === 0 && ranges.length ? ranges[0]![0] : 0;
  }

  /** Whether the result `id` at `index` is selected; indexes must come in increasing order. */
  choose(id: string, index: number): boolean {
    const included = this.pending.delete(id);
    const inRange = this.inRange(index);
    return (this.sel.all === true || inRange || included) && !this.excluded.has(id);
  }

  /** Whether nothing at or after `index` can be selected but the included ids still pending. */
  onlyIncludedLeft(index: number): boolean {
    return !this.sel.all && index > this.lastRangeIndex;
  }
}

export class SelectionService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly search: SearchService,
  ) {}

  /**
   * The ids `sel` selects among the results of `params` (its paging ignored), in the search's order,
   * a page at a time. `limit`: only the first so many results count (an export's row limit).
   */
  async *selectedIds(params: SearchParams, sel: Selection, o: { limit?: number } = {}): AsyncGenerator<string[]> {
    const base: SearchParams = { ...params, nextToken: undefined, offset: undefined };
    if (selectsNothing(sel)) {
      await this.search.searchIds({ ...base, maxResults: 1 }); // the query is still checked
      return;
    }
    const limit = o.limit ?? Infinity;
    const chooser = new SelectionChooser(sel);
    let index = Math.min(chooser.firstIndex, limit);
    let token: string | undefined;
    while (index < limit) {
      const page = await this.search.searchIds({
        ...base,
        maxResults: Math.min(WALK_PAGE, limit - index),
        ...(token ? { nextToken: token } : index > 0 ? { offset: index } : {}),
      });
      const out: string[] = [];
      for (const id of page.ids) {
        if (index >= limit) break;
        if (chooser.choose(id, index)) out.push(id);
        index++;
      }
      if (out.length) yield out;
      if (!page.nextToken || page.ids.length === 0) return;
      token = page.nextToken;
      if (chooser.onlyIncludedLeft(index)) {
        if (chooser.pending.size === 0) return;
        // Asking for them by id keeps their order but not their index: only without a row limit.
        if (!page.vector && limit === Infinity) {
          yield* this.resultsAmong(base, [...chooser.pending]);
          return;
        }
      }
    }
  }

  /**
   * How many results `sel` selects, and the first `maxIds` of them. Everything selected but a few
   * (all, minus excluded ids) is counted without walking the results of a metadata search.
   */
  async resolve(params: SearchParams, sel: Selection, maxIds: number): Promise<{ totalCount: number; ids: string[] }> {
    if (maxIds > MAX_RESOLVED_IDS) throw invalid(`MaxIds: at most ${MAX_RESOLVED_IDS}`, 'MaxIds');
    const ids: string[] = [];
    if (sel.all) {
      const head = await this.search.searchIds({ ...params, nextToken: undefined, offset: undefined, maxResults: 1 });
      if (!head.vector) {
        if (maxIds > 0) {
          for await (const batch of this.selectedIds(params, sel)) {
            ids.push(...batch.slice(0, maxIds - ids.length));
            if (ids.length >= maxIds) break;
          }
        }
        return { totalCount: head.totalCount - (await this.countAmong(params, [...new Set(sel.excluded ?? [])])), ids };
      }
    }
    let totalCount = 0;
    for await (const batch of this.selectedIds(params, sel)) {
      totalCount += batch.length;
      if (ids.length < maxIds) ids.push(...batch.slice(0, maxIds - ids.length));
    }
    return { totalCount, ids };
  }

  /**
   * Adds and removes user tags on every selected file (the dataset's own workspace only, as any
   * change): returns how many were selected and how many changed.
   */
  async updateTags(params: SearchParams, sel: Selection, edit: UserTagEdit): Promise<{ selected: number; updated: number }> {
    await datasetIn(this.deps, params.datasetId, params.workspaceId, 'own');
    const scope = { datasetId: params.datasetId, versionName: params.versionName };
    let selected = 0;
    let updated = 0;
    for await (const batch of this.selectedIds(params, sel)) {
      selected += batch.length;
      for (let i = 0; i < batch.length; i += WRITE_BATCH) {
        updated += await this.deps.store.editUserTags(scope, batch.slice(i, i + WRITE_BATCH), edit, nowIso(this.deps));
      }
    }
    if (updated) this.deps.log.info('user tags edited in bulk', { datasetId: params.datasetId, versionName: params.versionName, selected, updated });
    return { selected, updated };
  }

  /** The results of `base` among `ids`, in its order. */
  private async *resultsAmong(base: SearchParams, ids: string[]): AsyncGenerator<string[]> {
    const among = this.within(base, ids);
    if (!among.length) return;
    let token: string | undefined;
    do {
      const page = await this.search.searchIds({ ...base, ids: among, maxResults: WALK_PAGE, nextToken: token });
      if (page.ids.length) yield page.ids;
      token = page.nextToken;
    } while (token);
  }

  /** How many of `ids` are results of the metadata search `params`. */
  private async countAmong(params: SearchParams, ids: string[]): Promise<number> {
    const among = this.within(params, ids);
    if (!among.length) return 0;
    return (await this.search.searchIds({ ...params, ids: among, nextToken: undefined, offset: undefined, maxResults: 1 })).totalCount;
  }

  /** `ids` narrowed to the search's own DatasetFileMetaIds, when it names some. */
  private within(params: SearchParams, ids: string[]): string[] {
    if (!params.ids) return ids;
    const allowed = new Set(params.ids);
    return ids.filter((id) => allowed.has(id));
  }
}
