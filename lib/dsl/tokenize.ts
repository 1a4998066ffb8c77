// The tokens `:` matches on (DESIGN.md §5): shared by the evaluator and the SQLite functions.

// Han, kana and Hangul syllables stand alone (with any combining marks after them); other runs of
// letters, digits and marks form one token. `_`, punctuation, symbols and space separate.
const CJK = String.raw`(?=[\p{L}\p{N}])(?:\p{sc=Han}|\p{scx=Hira}|\p{scx=Kana}|[\uAC00-\uD7A3])`;
const TOKEN = new RegExp(String.raw`${CJK}\p{M}*|(?:(?!${CJK})[\p{L}\p{N}\p{M}])+`, 'gu');

/** Lower-cased tokens of `s` (NFKC first), in order, duplicates kept. */
export function tokenize(s: string): string[] {
  return s.normalize('NFKC').toLowerCase().match(TOKEN) ?? [];
}

// Field values and needles repeat a lot (tags, directories): a bounded cache keeps `:` cheap per row.
const CACHE_LIMIT = 20_000;
const cache = new Map<string, ReadonlySet<string>>();

/** The distinct tokens of `s` (cached). */
export function tokenSet(s: string): ReadonlySet<string> {
  let set = cache.get(s);
  if (!set) {
    set = new Set(tokenize(s));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(s, set);
  }
  return set;
}

/** `:` on one string: every token of `needle` is a token of `haystack`. */
export function tokensContain(haystack: string, needle: string): boolean {
  const have = tokenSet(haystack);
  for (const t of tokenSet(needle)) if (!have.has(t)) return false;
  return true;
}
