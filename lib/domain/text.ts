// Text people name and describe things with is stored and printed back (CLI tables, logs, the
// console): a NUL, an escape sequence or half a surrogate pair would be stored raw and shown raw.
// C0/C1 control characters (DEL too) and unpaired surrogates are refused, naming the field; free text
// keeps tab and line breaks. The rule lives here so that the API's request schemas and the JobSpecs
// (whose text becomes a version's Description, or is printed in a job's Logs) apply the same one.
// (Invalid UTF-8 bytes never get this far: lib/http/body-limit.ts refuses them.)
import { z } from 'zod';

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

/** Why `value` breaks the one-line rule (a control character or an unpaired surrogate, by code point and index), or undefined. */
export function controlCharacterIn(value: string): string | undefined {
  const m = CONTROL_OR_LONE_SURROGATE.exec(value);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `contains ${/\p{Cs}/u.test(m[0]) ? 'an unpaired surrogate' : 'a control character'} (U+${code} at index ${m.index})`;
}

/** A name, id, URI or other one-line text: no control characters at all. */
export const lineText = (max: number, min = 0) => z.string().min(min).max(max).superRefine(refuseControlCharacters(CONTROL_OR_LONE_SURROGATE));
/** A description or prompt: tab, CR and LF allowed, no other control character. */
export const freeText = (max: number, min = 0) =>
  z.string().min(min).max(max).superRefine(refuseControlCharacters(CONTROL_BUT_LAYOUT_OR_LONE_SURROGATE));
