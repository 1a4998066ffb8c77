// Shared request pieces: paging, ids, and the JSON response helper.
import { z } from '@hono/zod-openapi';
import { ErrorDto } from './dto.js';

export const MaxResults = z.coerce.number().int().min(1).max(1000).default(100).openapi({ description: '1..1000, default 100' });
export const NextToken = z.string().max(2048).optional().openapi({ description: 'From the previous page' });
export const DatasetIdParam = z.object({ DatasetId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetId', in: 'path' } }) });

// Text people name and describe things with is stored and printed back (CLI tables, logs, the
// console): a NUL, an escape sequence or half a surrogate pair would be stored raw and shown raw.
// C0/C1 control characters (DEL too) and unpaired surrogates are refused, naming the field; free text
// keeps tab and line breaks. (Invalid UTF-8 bytes never get this far: body-limit.ts refuses them.)
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
const CONTROL_BUT_LAYOUT_OR_LONE_SURROGATE = /[^\P{Cc}\t\n\r]|\p{Cs}/u;

function refuseControlCharacters(pattern: RegExp) {
  return (value: string, ctx: z.RefinementCtx) => {
    const m = pattern.exec(value);
    if (!m) return;
    const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const what = /\p{Cs}/u.test(m[0]) ? 'an unpaired surrogate' : 'a control character';
    ctx.addIssue({ code: 'custom', message: `contains ${what} (U+${code} at index ${m.index}), which is not allowed here` });
  };
}

/** A name, URI or other one-line text: no control characters at all. */
export const lineText = (max: number, min = 0) => z.string().min(min).max(max).superRefine(refuseControlCharacters(CONTROL_OR_LONE_SURROGATE));
/** A description or prompt: tab, CR and LF allowed, no other control character. */
export const freeText = (max: number, min = 0) =>
  z.string().min(min).max(max).superRefine(refuseControlCharacters(CONTROL_BUT_LAYOUT_OR_LONE_SURROGATE));

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

export const errorResponses = {
  400: jsonContent(ErrorDto, 'Invalid request: Message and Field name what is wrong'),
  401: jsonContent(ErrorDto, 'Missing or wrong API key'),
  404: jsonContent(ErrorDto, 'Unknown id'),
  409: jsonContent(ErrorDto, 'Conflicts with the current state'),
} as const;

export const RequestIdField = { RequestId: z.string() };
