// Follows NextToken: turns any paged listing into an async iterator of its items.

export interface PaginateOptions {
  /** Stop after this many items in all. */
  limit?: number;
  /** Start from this token instead of the first page. */
  nextToken?: string;
}

/**
 * `fetchPage(token)` returns one page; `itemsOf(page)` its items. Pages are fetched lazily, one at a
 * time, as the consumer iterates; breaking out of the loop fetches nothing more.
 */
export async function* paginate<P extends { NextToken?: string }, T>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  itemsOf: (page: P) => readonly T[],
  options: PaginateOptions = {},
): AsyncGenerator<T, void, undefined> {
  let token = options.nextToken;
  let left = options.limit ?? Infinity;
  if (left <= 0) return;
  for (;;) {
    const page = await fetchPage(token);
    for (const item of itemsOf(page)) {
      yield item;
      if (--left <= 0) return;
    }
    if (!page.NextToken || page.NextToken === token) return;
    token = page.NextToken;
  }
}
