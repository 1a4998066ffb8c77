// PAI's page-number paging (PageNumber from 1, PageSize) beside Loupe's MaxResults/NextToken on the
// same listing (issue 11, decision 4): one style per request; a page never reaches past
// MAX_PAGE_WINDOW rows (an OFFSET scans every row it skips: deeper pages are NextToken's).
import { z } from '@hono/zod-openapi';
import { invalid } from '../domain/errors.js';

/** How deep page-number paging reaches: PageNumber × PageSize at most this. */
export const MAX_PAGE_WINDOW = 10_000;

export const PageNumber = z.coerce.number().int().min(1).optional().openapi({ description: 'From 1 (default 1)', example: 1 });
export const PageSize = z.coerce.number().int().min(1).max(100).optional().openapi({ description: '1..100, default 10', example: 10 });
/** Loupe's token paging beside PAI's; no default here: absent, the page size is PageSize's default. */
export const MaxResultsAlias = z.coerce
  .number()
  .int()
  .min(1)
  .max(1000)
  .optional()
  .openapi({ description: "Loupe's paging (with NextToken), instead of PageNumber/PageSize: 1..1000, default 10" });

export type Paging =
  | { style: 'number'; pageNumber: number; pageSize: number; offset: number }
  /** Token paging, also when no paging parameter is given (the first page is then PAI's page 1). */
  | { style: 'token'; maxResults: number; nextToken?: string };

export function pagingOf(
  q: { PageNumber?: number; PageSize?: number; MaxResults?: number; NextToken?: string },
  defaultSize = 10,
): Paging {
  const byNumber = q.PageNumber !== undefined || q.PageSize !== undefined;
  if (byNumber && (q.MaxResults !== undefined || q.NextToken)) {
    throw invalid(
      'PageNumber/PageSize (PAI) and MaxResults/NextToken (Loupe) are two ways to page: use one of them',
      q.MaxResults !== undefined ? 'MaxResults' : 'NextToken',
    );
  }
  if (!byNumber) return { style: 'token', maxResults: q.MaxResults ?? defaultSize, nextToken: q.NextToken || undefined };
  return pageNumberOf(q, defaultSize, 'narrow the filter, or page with MaxResults/NextToken');
}

/**
 * Declared on a listing that pages only by PageNumber/PageSize, so that Loupe's MaxResults/NextToken
 * sent there are refused by pageNumberOf rather than stripped by the schema and silently ignored.
 */
export const TokenPagingRefused = {
  MaxResults: z.string().optional().openapi({ description: 'Refused (400): this listing pages by PageNumber/PageSize' }),
  NextToken: z.string().optional().openapi({ description: 'Refused (400): this listing pages by PageNumber/PageSize' }),
};

/** PageNumber/PageSize only (a listing without token paging): MaxResults/NextToken are a 400. */
export function pageNumberOf(
  q: { PageNumber?: number; PageSize?: number; MaxResults?: unknown; NextToken?: unknown },
  defaultSize = 10,
  deeper = 'narrow the filter',
): Extract<Paging, { style: 'number' }> {
  for (const field of ['MaxResults', 'NextToken'] as const) {
    if (q[field] !== undefined && q[field] !== '') throw invalid(`this listing pages by PageNumber/PageSize (PAI's), not by ${field}`, field);
  }
  const pageNumber = q.PageNumber ?? 1;
  const pageSize = q.PageSize ?? defaultSize;
  if (pageNumber * pageSize > MAX_PAGE_WINDOW) {
    throw invalid(
      `PageNumber × PageSize may reach at most ${MAX_PAGE_WINDOW} rows (asked: ${pageNumber} × ${pageSize}); ${deeper}`,
      'PageNumber',
    );
  }
  return { style: 'number', pageNumber, pageSize, offset: (pageNumber - 1) * pageSize };
}
