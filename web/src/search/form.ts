// The search sidebar's form as a view of the query language: readForm() splits a query's top-level AND
// terms into the fields the form shows (text, TopK, ScoreThreshold, tags any/all/exclude, file name,
// folder, last-modified range, sort) and keeps every other term as it is ("edited as text");
// printForm() writes the form back. Pure (no DOM), so the mapping is unit-tested under Node.
import type { Expr, ParsedQuery, Pos } from '../../../lib/dsl/ast.js';
import { isDslError } from '../../../lib/dsl/dsl-error.js';
import { parseQuery } from '../../../lib/dsl/parser.js';
import { printExpr, printQuery } from '../../../lib/dsl/print.js';

/** The condition on tags the form edits: Tags.all (what PAI's QueryTagsIncludeAny, IncludeAll and Exclude mean too). */
const TAG_FIELD = 'Tags.all';

export interface SearchForm {
  /** Content:"…" (semantic text search); '' = none. */
  text: string;
  topK?: number;
  scoreThreshold?: number;
  /** One OR group of Tags.all="…". */
  tagsAny: string[];
  /** Tags.all="…" terms. */
  tagsAll: string[];
  /** NOT Tags.all="…" terms. */
  tagsExclude: string[];
  /** FileName:"…" (the name's words contain these words); '' = none. */
  fileName: string;
  /** FileDir:"…" (words) or, when folderExact, FileDir="…" (that folder exactly); undefined = none. */
  folder?: string;
  folderExact: boolean;
  /** FileUpdateTime >= "…" and <= "…": ISO 8601 instants as written. */
  from?: string;
  to?: string;
  sortBy?: string;
  order?: 'ASC' | 'DESC';
  /** Terms the form does not show, kept as they are and ANDed with the rest. */
  extras: Expr[];
  /** Options the form does not edit, kept as they are. */
  queryType?: ParsedQuery['queryType'];
  signMode?: string;
}

export const emptyForm = (): SearchForm => ({ text: '', tagsAny: [], tagsAll: [], tagsExclude: [], fileName: '', folderExact: false, extras: [] });

export type ReadResult = { ok: true; form: SearchForm } | { ok: false; offset: number; message: string };

const isTagEquals = (e: Expr): e is Extract<Expr, { kind: 'compare' }> & { value: { kind: 'string' } } =>
  e.kind === 'compare' && e.field === TAG_FIELD && e.op === '=' && e.value.kind === 'string';

/** The tags of a term that is Tags.all="a", or an OR of such terms; undefined for anything else. */
function tagsOf(e: Expr): string[] | undefined {
  if (isTagEquals(e)) return [e.value.value];
  if (e.kind === 'or' && e.items.every(isTagEquals)) return e.items.map((x) => (x as { value: { value: string } }).value.value);
  return undefined;
}

/** Parses `source` into the form ('' = the empty form); a syntax error gives its offset and message. */
export function readForm(source: string): ReadResult {
  const form = emptyForm();
  if (source.trim() === '') return { ok: true, form };
  let q: ParsedQuery;
  try {
    q = parseQuery(source);
  } catch (e) {
    if (isDslError(e)) return { ok: false, offset: e.offset, message: e.message };
    throw e;
  }
  form.text = q.content ?? '';
  form.topK = q.topK;
  form.scoreThreshold = q.scoreThreshold;
  form.sortBy = q.sortBy;
  form.order = q.order;
  form.queryType = q.queryType;
  form.signMode = q.signMode;
  const terms = !q.filter ? [] : q.filter.kind === 'and' ? q.filter.items : [q.filter];
  for (const t of terms) if (!take(form, t)) form.extras.push(t);
  return { ok: true, form };
}

/** Puts one top-level term into the form; false when the form has no place for it. */
function take(f: SearchForm, t: Expr): boolean {
  if (isTagEquals(t)) {
    f.tagsAll.push(t.value.value);
    return true;
  }
  if (t.kind === 'or') {
    const tags = tagsOf(t);
    if (!tags || f.tagsAny.length) return false;
    f.tagsAny = tags;
    return true;
  }
  if (t.kind === 'not') {
    const tags = tagsOf(t.expr);
    if (!tags) return false;
    f.tagsExclude.push(...tags);
    return true;
  }
  if (t.kind !== 'compare' || t.value.kind !== 'string') return false;
  const v = t.value.value;
  if (t.field === 'FileName' && t.op === ':' && !f.fileName) f.fileName = v;
  else if (t.field === 'FileDir' && (t.op === ':' || t.op === '=') && f.folder === undefined) {
    f.folder = v;
    f.folderExact = t.op === '=';
  } else if (t.field === 'FileUpdateTime' && t.op === '>=' && f.from === undefined) f.from = v;
  else if (t.field === 'FileUpdateTime' && t.op === '<=' && f.to === undefined) f.to = v;
  else return false;
  return true;
}

const POS: Pos = { offset: 0, line: 1, col: 1 };
/** The language has no escape for a line break: a pasted one becomes a space. */
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
const str = (value: string) => ({ kind: 'string' as const, value: oneLine(value) });
const tagIs = (tag: string): Expr => ({ kind: 'compare', field: TAG_FIELD, op: '=', value: str(tag), pos: POS });

/** The form's terms, in the order the sidebar shows them, then the kept ones. */
function formTerms(f: SearchForm): Expr[] {
  const terms: Expr[] = [];
  if (f.tagsAny.length === 1) terms.push(tagIs(f.tagsAny[0]!));
  else if (f.tagsAny.length > 1) terms.push({ kind: 'or', items: f.tagsAny.map(tagIs), pos: POS });
  for (const tag of f.tagsAll) terms.push(tagIs(tag));
  for (const tag of f.tagsExclude) terms.push({ kind: 'not', expr: tagIs(tag), pos: POS });
  if (f.fileName.trim()) terms.push({ kind: 'compare', field: 'FileName', op: ':', value: str(f.fileName.trim()), pos: POS });
  if (f.folder !== undefined && (f.folderExact || f.folder.trim())) {
    terms.push({ kind: 'compare', field: 'FileDir', op: f.folderExact ? '=' : ':', value: str(f.folderExact ? f.folder : f.folder.trim()), pos: POS });
  }
  if (f.from) terms.push({ kind: 'compare', field: 'FileUpdateTime', op: '>=', value: str(f.from), pos: POS });
  if (f.to) terms.push({ kind: 'compare', field: 'FileUpdateTime', op: '<=', value: str(f.to), pos: POS });
  return [...terms, ...f.extras];
}

/** The form as query-language text ('' for the empty form). */
export function printForm(f: SearchForm): string {
  const terms = formTerms(f);
  const text = oneLine(f.text).trim();
  return printQuery({
    filter: terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : { kind: 'and', items: terms, pos: POS },
    content: text || undefined,
    topK: f.topK,
    scoreThreshold: f.scoreThreshold,
    queryType: f.queryType,
    sortBy: f.sortBy,
    order: f.order,
    signMode: f.signMode,
  });
}

/** One kept term as the sidebar shows it: as it prints inside the AND (an OR in parentheses). */
export const termText = (e: Expr): string => (e.kind === 'or' || e.kind === 'and' ? `(${printExpr(e)})` : printExpr(e));

/**
 * The metadata conditions of a query without its search options (Content, TopK, …), as text: what the
 * statistics API counts over (it refuses the options). '' = every file; undefined = the query has an error.
 */
export function filterText(source: string): string | undefined {
  if (source.trim() === '') return '';
  try {
    const q = parseQuery(source);
    return q.filter ? printExpr(q.filter) : '';
  } catch (e) {
    if (isDslError(e)) return undefined;
    throw e;
  }
}

/** Whether a query asks for a semantic (vector) search by text. */
export function hasContent(source: string): boolean {
  try {
    return parseQuery(source).content !== undefined;
  } catch {
    return false;
  }
}
