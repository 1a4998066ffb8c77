// What people may write into a file meta, checked the same way wherever it comes from: the body of
// CreateDatasetFileMetas / UpdateDatasetFileMetas, or a line FileMetaImport reads from an export.
import { z } from 'zod';
import { lineText } from '../domain/text.js';
import { parseIsoInstant } from '../dsl/iso-instant.js';

/** A tag group's names. */
export const TagList = z.array(lineText(256, 1)).max(1000);

export const MAX_ATTRIBUTES = 100;
export const MAX_ATTRIBUTES_BYTES = 16 * 1024;
const MAX_ATTRIBUTES_DEPTH = 8;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]|\p{Cs}/u;

/** Why a JSON value inside MetaAttributes is refused (too deep, a control character in a string), if it is. */
function badJson(v: unknown, depth: number): string | undefined {
  if (depth > MAX_ATTRIBUTES_DEPTH) return `nested deeper than ${MAX_ATTRIBUTES_DEPTH} levels`;
  if (typeof v === 'string') return CONTROL.test(v) ? 'contains a control character or an unpaired surrogate, which is not allowed here' : undefined;
  if (Array.isArray(v)) return v.map((x) => badJson(x, depth + 1)).find(Boolean);
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const bad = (CONTROL.test(k) ? `key '${k.replace(CONTROL, '?')}' contains a control character` : undefined) ?? badJson(x, depth + 1);
      if (bad) return bad;
    }
  }
  return undefined;
}

/** MetaAttributes: JSON values by key (a probe's numbers; people's keys may hold any JSON, PAI's example nests). */
export const MetaAttributesInput = z
  .record(lineText(128, 1), z.json())
  .superRefine((r, ctx) => {
    if (Object.keys(r).length > MAX_ATTRIBUTES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ATTRIBUTES} keys` });
    else if (JSON.stringify(r).length > MAX_ATTRIBUTES_BYTES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ATTRIBUTES_BYTES} bytes of JSON` });
    else {
      for (const [k, v] of Object.entries(r)) {
        const bad = badJson(v, 1);
        if (bad) ctx.addIssue({ code: 'custom', path: [k], message: bad });
      }
    }
  });

export const IsoTime = z
  .string()
  .max(64)
  .refine((s) => parseIsoInstant(s) !== undefined, { message: 'not an ISO 8601 instant (e.g. 2025-03-01T12:00:00Z)' });
export const ContentType = lineText(256, 1).regex(/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;.*)?$/, 'a MIME type, e.g. image/jpeg');
