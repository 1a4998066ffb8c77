// A listing for the terminal: one page, or (--all) every page through NextToken.
import { paginate } from '../lib/sdk/index.js';

export interface Collected<P, T> {
  items: T[];
  /** The first page (TotalCount, VectorSearch, …). */
  first: P;
  /** Set when more pages follow and they were not fetched. */
  nextToken?: string;
}

export async function collectPages<P extends { NextToken?: string }, T>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  itemsOf: (page: P) => readonly T[],
  o: { all?: boolean; nextToken?: string } = {},
): Promise<Collected<P, T>> {
  let first: P | undefined;
  let last: P | undefined;
  const items: T[] = [];
  const pages = paginate(
    async (token) => {
      last = await fetchPage(token);
      first ??= last;
      return o.all ? last : { ...last, NextToken: undefined };
    },
    itemsOf,
    o.nextToken ? { nextToken: o.nextToken } : {},
  );
  for await (const item of pages) items.push(item);
  return { items, first: first!, ...(!o.all && last?.NextToken ? { nextToken: last.NextToken } : {}) };
}
