// An in-memory, columnar copy of one dataset version's file metas, so that searches over a million
// files answer in milliseconds: conditions are compiled to closures over typed columns, tag conditions
// start from posting lists (the files carrying a tag), low-cardinality strings (folders, types, tags)
// are dictionary-encoded so `:` is decided once per distinct value, and each sort order keeps a sorted
// permutation for keyset paging. SQLite stays the source of truth: the copy catches up through the
// file_meta_changes log (rows written by any connection) before every query. Semantics are those of
// lib/dsl/evaluator.ts (two-valued: a missing value fails every comparison).
import type { Expr } from '../../dsl/ast.js';
import { instantOf } from '../../dsl/iso-instant.js';
import { tokensContain } from '../../dsl/tokenize.js';
import { allTags, DEFAULT_LISTED_STATUSES, FileStatus } from '../../domain/file-meta.js';
import type { AggregateField, FileMetaQuery, FileSortField } from '../../ports/meta-store.js';

/** A file_metas row as the index reads it. */
export interface IndexSourceRow {
  rowid: number;
  id: string;
  status: string;
  file_name: string;
  file_dir: string;
  uri: string;
  file_type: string;
  file_format: string;
  content_type: string | null;
  semantic_index_job_id: string | null;
  index_name: string | null;
  data_size: number;
  file_create_time: string | null;
  file_update_time: string;
  tag_update_time: string | null;
  semantic_index_update_time: string | null;
  meta_attributes: string;
  tags_ai: string;
  tags_user: string;
  tags_user_delete_ai: string;
}

const STATUSES: readonly FileStatus[] = FileStatus.options;
/** The status code of a position whose row is gone. */
const GONE = 255;

class Dict {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  idOf(v: string): number {
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(v, id);
    }
    return id;
  }
  find(v: string): number | undefined {
    return this.ids.get(v);
  }
  /** One flag per id: does the value pass? */
  flags(test: (v: string) => boolean): Uint8Array {
    const out = new Uint8Array(this.values.length);
    this.values.forEach((v, i) => (out[i] = test(v) ? 1 : 0));
    return out;
  }
}

type ListKind = 'ai' | 'user' | 'uda' | 'all';
type DictColumn = 'dir' | 'type' | 'fmt' | 'ctype' | 'sij' | 'idx' | 'status';
/** The text fields stored as dictionary ids (Status: an index into FileStatus), and their column. */
const DICT_OF_FIELD: Record<string, DictColumn> = {
  FileDir: 'dir',
  FileType: 'type',
  FileFormat: 'fmt',
  ContentType: 'ctype',
  SemanticIndexJobId: 'sij',
  Status: 'status',
};
const LIST_OF_FIELD: Record<string, ListKind> = { 'Tags.ai': 'ai', 'Tags.user': 'user', 'Tags.user-delete-ai-tags': 'uda', 'Tags.all': 'all' };
type Pred = (p: number) => boolean;

const ms = (iso: string | null) => (iso === null ? NaN : Date.parse(iso));
const EMPTY: readonly number[] = [];
const PARSE_CACHE_LIMIT = 50_000;
/** Tag bitsets kept (each is one bit per file: 125 KB at a million files). */
const TAG_BITS_CACHE_LIMIT = 256;

export class VersionIndex {
  // one entry per position; a removed row keeps its position with status GONE
  private readonly rowid: number[] = [];
  private readonly id: string[] = [];
  private readonly status: number[] = [];
  private readonly name: string[] = [];
  private readonly uri: string[] = [];
  private readonly dir: number[] = [];
  private readonly type: number[] = [];
  private readonly fmt: number[] = [];
  private readonly ctype: number[] = [];
  private readonly sij: number[] = [];
  private readonly idx: number[] = [];
  private readonly size: number[] = [];
  private readonly ctime: number[] = [];
  private readonly utime: number[] = [];
  private readonly ttime: number[] = [];
  private readonly stime: number[] = [];
  private readonly width: number[] = [];
  private readonly height: number[] = [];
  private readonly lists: Record<ListKind, Array<readonly number[]>> = { ai: [], user: [], uda: [], all: [] };
  private readonly posOfRowid = new Map<number, number>();
  private readonly posOfId = new Map<string, number>();
  private readonly dirs = new Dict();
  private readonly types = new Dict();
  private readonly formats = new Dict();
  private readonly strings = new Dict(); // content types, job ids, index names
  private readonly tags = new Dict();
  // derived, rebuilt lazily after a change
  private postings?: Record<ListKind, Map<number, number[]>>;
  private readonly valuePostings = new Map<DictColumn, Map<number, number[]>>();
  private readonly tagBitsCache = new Map<string, Bits>();
  private readonly perms = new Map<FileSortField, Int32Array>();
  private lowerNames?: string[];

  /** The change-log sequence number this copy reflects. */
  seq = 0;
  /** Until when (epoch seconds) writers log this version's changes for it. */
  registeredUntil = 0;

  upsert(r: IndexSourceRow): void {
    let p = this.posOfRowid.get(r.rowid);
    const fresh = p === undefined;
    if (p === undefined) {
      p = this.rowid.length;
      this.posOfRowid.set(r.rowid, p);
      this.rowid.push(r.rowid);
    }
    // what a change makes stale: sorted orders when a sort key moves, postings when tags change
    const before = fresh
      ? undefined
      : { id: this.id[p], name: this.name[p], size: this.size[p], ctime: this.ctime[p], utime: this.utime[p], status: this.status[p], lists: this.listsAt(p), dicts: this.dictsAt(p) };
    const oldId = this.id[p];
    if (oldId !== undefined && oldId !== r.id) this.posOfId.delete(oldId);
    this.posOfId.set(r.id, p);
    this.id[p] = r.id;
    this.status[p] = STATUSES.indexOf(r.status as FileStatus);
    this.name[p] = r.file_name;
    this.uri[p] = r.uri;
    this.dir[p] = this.dirs.idOf(r.file_dir);
    this.type[p] = this.types.idOf(r.file_type);
    this.fmt[p] = this.formats.idOf(r.file_format ?? '');
    this.ctype[p] = r.content_type === null ? -1 : this.strings.idOf(r.content_type);
    this.sij[p] = r.semantic_index_job_id === null ? -1 : this.strings.idOf(r.semantic_index_job_id);
    this.idx[p] = r.index_name === null ? -1 : this.strings.idOf(r.index_name);
    this.size[p] = r.data_size;
    this.ctime[p] = ms(r.file_create_time);
    this.utime[p] = ms(r.file_update_time);
    this.ttime[p] = ms(r.tag_update_time);
    this.stime[p] = ms(r.semantic_index_update_time);
    const [w, h] = this.dimensionsOf(r.meta_attributes);
    this.width[p] = w;
    this.height[p] = h;
    const ai = this.tagIds(r.tags_ai);
    const user = this.tagIds(r.tags_user);
    const uda = this.tagIds(r.tags_user_delete_ai);
    this.lists.ai[p] = ai;
    this.lists.user[p] = user;
    this.lists.uda[p] = uda;
    if (user.length === 0 && uda.length === 0) this.lists.all[p] = ai;
    else {
      // the domain's rule, on the names
      const names = (ids: readonly number[]) => ids.map((t) => this.tags.values[t]!);
      this.lists.all[p] = allTags({ ai: names(ai), user: names(user), userDeleteAiTags: names(uda) }).map((t) => this.tags.idOf(t));
    }
    if (!before) return this.invalidate();
    const same = (x: number | undefined, y: number | undefined) => x === y || (Number.isNaN(x) && Number.isNaN(y));
    if (before.id !== r.id || before.name !== r.file_name || !same(before.size, this.size[p]) || !same(before.ctime, this.ctime[p]) || !same(before.utime, this.utime[p])) {
      this.perms.clear();
      this.lowerNames = undefined;
    }
    if (before.status !== this.status[p] || !sameLists(before.lists, this.listsAt(p))) {
      this.postings = undefined;
      this.tagBitsCache.clear();
    }
    if (before.dicts.some((v, i) => v !== this.dictsAt(p)[i])) {
      this.valuePostings.clear();
      this.tagBitsCache.clear();
    }
  }

  private dictsAt(p: number): number[] {
    return [this.dir[p]!, this.type[p]!, this.fmt[p]!, this.ctype[p]!, this.sij[p]!, this.idx[p]!, this.status[p]!];
  }

  private listsAt(p: number): Array<readonly number[]> {
    return [this.lists.ai[p]!, this.lists.user[p]!, this.lists.uda[p]!];
  }

  remove(rowid: number): void {
    const p = this.posOfRowid.get(rowid);
    if (p === undefined) return;
    this.status[p] = GONE;
    this.posOfId.delete(this.id[p]!);
    this.invalidate();
  }

  private invalidate() {
    this.postings = undefined;
    this.tagBitsCache.clear();
    this.valuePostings.clear();
    this.perms.clear();
    this.lowerNames = undefined;
  }

  // Tag lists and attributes repeat across files: each distinct JSON text is parsed once.
  private readonly parsedTags = new Map<string, readonly number[]>();
  private readonly parsedDims = new Map<string, [number, number]>();

  private tagIds(json: string): readonly number[] {
    if (json === '[]') return EMPTY;
    let ids = this.parsedTags.get(json);
    if (!ids) {
      const list = JSON.parse(json) as unknown[];
      ids = list.filter((x): x is string => typeof x === 'string').map((t) => this.tags.idOf(t));
      if (this.parsedTags.size >= PARSE_CACHE_LIMIT) this.parsedTags.clear();
      this.parsedTags.set(json, ids);
    }
    return ids;
  }

  private dimensionsOf(json: string): [number, number] {
    let dims = this.parsedDims.get(json);
    if (!dims) {
      const a = JSON.parse(json) as Record<string, unknown>;
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
      dims = [num(a.ImageWidth), num(a.ImageHeight)];
      if (this.parsedDims.size >= PARSE_CACHE_LIMIT) this.parsedDims.clear();
      this.parsedDims.set(json, dims);
    }
    return dims;
  }

  // ---------------------------------------------------------------- queries

  /** The rows matching `q`, as a bitset over positions. */
  match(q: FileMetaQuery): Bits {
    const n = this.rowid.length;
    let bits = q.filter ? this.bitsOf(q.filter) : Bits.all(n);
    if (q.ids) {
      const ids = new Bits(n);
      for (const id of q.ids) {
        const p = this.posOfId.get(id);
        if (p !== undefined) ids.set(p);
      }
      bits = bits.and(ids);
    }
    const statusOk = new Uint8Array(256);
    for (const st of q.statuses?.length ? q.statuses : DEFAULT_LISTED_STATUSES) statusOk[STATUSES.indexOf(st)] = 1;
    bits = bits.and(this.valueBits('status', statusOk));
    if (q.fileDirContains) {
      const needle = q.fileDirContains.toLowerCase();
      bits = bits.and(this.valueBits('dir', this.dirs.flags((v) => v.toLowerCase().includes(needle))));
    }
    if (q.fileTypes?.length) bits = bits.and(this.valueBits('type', this.types.flags((v) => q.fileTypes!.includes(v))));
    if (q.contentTypes?.length) bits = bits.and(this.valueBits('ctype', this.strings.flags((v) => q.contentTypes!.includes(v))));
    if (q.indexName !== undefined) bits = bits.and(this.valueBits('idx', this.strings.flags((v) => v === q.indexName)));
    // The remaining conditions are checked once per surviving row.
    const preds: Pred[] = [];
    if (q.fileNameContains) {
      const needle = q.fileNameContains.toLowerCase();
      const lower = this.lowerNamesOf();
      preds.push((p) => lower[p]!.includes(needle));
    }
    if (q.startFileUpdateTime || q.endFileUpdateTime) {
      const from = q.startFileUpdateTime ? Date.parse(q.startFileUpdateTime) : -Infinity;
      const to = q.endFileUpdateTime ? Date.parse(q.endFileUpdateTime) : Infinity;
      const t = this.utime;
      preds.push((p) => t[p]! >= from && t[p]! <= to);
    }
    if (preds.length) bits.retain(preds.length === 1 ? preds[0]! : (p) => preds.every((f) => f(p)));
    return bits;
  }

  /** One page in sort order after the keyset cursor and `skip` more matches: positions, at most `limit`. */
  page(
    matching: Bits,
    sortBy: FileSortField,
    desc: boolean,
    after: { value: string | number | null; tie: string | number } | undefined,
    limit: number,
    skip = 0,
  ): number[] {
    const cmp = this.comparator(sortBy);
    const beyond = after ? this.cursorTest(sortBy, desc, after) : () => true;
    const n = this.rowid.length;
    // Few matches: sort them (count·log count). Otherwise walk the sorted permutation, which finds a
    // page of `limit` after about limit·n/count steps.
    const count = matching.count();
    if (count * count * 16 < (limit + skip) * n) {
      const sorted = matching.positions().filter(beyond).sort(desc ? (a, b) => cmp(b, a) : cmp);
      return sorted.slice(skip, skip + limit);
    }
    const perm = this.permutation(sortBy);
    const out: number[] = [];
    // binary search for the first position past the cursor in walk order
    let lo = 0;
    if (after) {
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const p = perm[desc ? n - 1 - mid : mid]!;
        if (beyond(p)) hi = mid;
        else lo = mid + 1;
      }
    }
    let skipped = 0;
    for (let i = lo; i < n && out.length < limit; i++) {
      const p = perm[desc ? n - 1 - i : i]!;
      if (!matching.has(p)) continue;
      if (skipped < skip) skipped++;
      else out.push(p);
    }
    return out;
  }

  rowidAt(p: number): number {
    return this.rowid[p]!;
  }

  /** The keyset token's value for position p, as the SQL path writes it. */
  sortValue(p: number, sortBy: FileSortField): string | number | null {
    switch (sortBy) {
      case 'FileUpdateTime':
        return isoOf(this.utime[p]!);
      case 'FileCreateTime':
        return isoOf(this.ctime[p]!);
      case 'FileName':
        return this.name[p]!;
      case 'DataSize':
        return this.size[p]!;
      case 'DatasetFileMetaId':
        return null;
    }
  }

  idAt(p: number): string {
    return this.id[p]!;
  }

  aggregate(bits: Bits, by: AggregateField, limit: number): Array<{ key: string; count: number }> {
    const matching = bits.positions();
    const counts = new Map<string, number>();
    const bump = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    const kind = by === 'tags.all' ? 'all' : by === 'tags.ai' ? 'ai' : by === 'tags.user' ? 'user' : by === 'tags.user-delete-ai-tags' ? 'uda' : undefined;
    if (kind) {
      const byTag = new Map<number, number>();
      const lists = this.lists[kind];
      for (const p of matching) for (const t of lists[p]!) byTag.set(t, (byTag.get(t) ?? 0) + 1);
      for (const [t, c] of byTag) counts.set(this.tags.values[t]!, c);
    } else if (by === 'filedir') {
      const byDir = new Map<number, number>();
      for (const p of matching) byDir.set(this.dir[p]!, (byDir.get(this.dir[p]!) ?? 0) + 1);
      for (const [d, c] of byDir) counts.set(this.dirs.values[d]!, c);
    } else if (by === 'file_type') for (const p of matching) bump(this.types.values[this.type[p]!]!);
    else if (by === 'file_format') for (const p of matching) bump(this.formats.values[this.fmt[p]!]!);
    else for (const p of matching) bump(STATUSES[this.status[p]!]!);
    return [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, limit)
      .map(([key, count]) => ({ key, count }));
  }

  // ---------------------------------------------------------------- the query language

  private hasPred(field: Extract<Expr, { kind: 'has' }>['field']): Pred {
    const list = LIST_OF_FIELD[field];
    if (list) {
      const lists = this.lists[list];
      return (p) => lists[p]!.length > 0;
    }
    switch (field) {
      case 'FileName':
        return (p) => this.name[p] !== '';
      case 'Uri':
        return (p) => this.uri[p] !== '';
      case 'DatasetFileMetaId':
        return (p) => this.id[p] !== '';
      case 'FileDir':
      case 'FileType':
      case 'FileFormat':
      case 'ContentType':
      case 'SemanticIndexJobId':
      case 'Status': {
        const c = DICT_OF_FIELD[field]!;
        const col = this.dictColumn(c);
        const ok = this.dictFlags(c, (v) => v !== '');
        return (p) => col[p]! >= 0 && ok[col[p]!] === 1;
      }
      default: {
        const col = this.numberColumn(field);
        return (p) => !Number.isNaN(col[p]!);
      }
    }
  }

  private comparePred(e: Extract<Expr, { kind: 'compare' }>): Pred {
    const { field, op, value } = e;
    const list = LIST_OF_FIELD[field];
    if (list) {
      const lists = this.lists[list];
      const s = value.value as string;
      if (op === '=') {
        const t = this.tags.find(s);
        if (t === undefined) return () => false;
        return (p) => lists[p]!.includes(t);
      }
      const ok = this.tags.flags((v) => tokensContain(v, s));
      return (p) => lists[p]!.some((t) => ok[t] === 1);
    }
    switch (field) {
      case 'FileName':
      case 'Uri':
      case 'DatasetFileMetaId': {
        const col = field === 'FileName' ? this.name : field === 'Uri' ? this.uri : this.id;
        const s = value.value as string;
        if (op === '=') return (p) => col[p] === s;
        return (p) => tokensContain(col[p]!, s);
      }
      case 'FileDir':
      case 'FileType':
      case 'FileFormat':
      case 'ContentType':
      case 'SemanticIndexJobId':
      case 'Status': {
        const c = DICT_OF_FIELD[field]!;
        const col = this.dictColumn(c);
        const s = value.value as string;
        const ok = this.dictFlags(c, op === '=' ? (v) => v === s : (v) => tokensContain(v, s));
        return (p) => col[p]! >= 0 && ok[col[p]!] === 1;
      }
      default: {
        const col = this.numberColumn(field);
        const v = value.kind === 'number' && !isTimeField(field) ? value.value : instantOf(value);
        switch (op) {
          case '=':
            return (p) => col[p] === v;
          case '>':
            return (p) => col[p]! > v;
          case '>=':
            return (p) => col[p]! >= v;
          case '<':
            return (p) => col[p]! < v;
          case '<=':
            return (p) => col[p]! <= v;
          default:
            throw new Error(`'${op}' does not apply to ${field}`);
        }
      }
    }
  }

  private numberColumn(field: string): number[] {
    switch (field) {
      case 'DataSize':
        return this.size;
      case 'ImageWidth':
        return this.width;
      case 'ImageHeight':
        return this.height;
      case 'FileCreateTime':
        return this.ctime;
      case 'FileUpdateTime':
        return this.utime;
      case 'TagUpdateTime':
        return this.ttime;
      case 'SemanticIndexUpdateTime':
        return this.stime;
    }
    throw new Error(`not a number or time field: ${field}`);
  }

  /**
   * The rows where `e` holds, as a bitset. Tag conditions come from posting lists and combine word by
   * word; the other conditions of an AND are then checked only on the rows those left, one closure
   * call per row; what has no tag condition to start from is checked on every row.
   */
  private bitsOf(e: Expr): Bits {
    const n = this.rowid.length;
    if (!this.fromPostings(e)) {
      if (e.kind === 'and') {
        const driving = e.items.filter((x) => this.fromPostings(x));
        if (driving.length) {
          const acc = driving.map((x) => this.bitsOf(x)).reduce((x, y) => x.and(y));
          const rest = e.items.filter((x) => !this.fromPostings(x)).map((x) => this.predOf(x));
          acc.retain(rest.length === 1 ? rest[0]! : (p) => rest.every((f) => f(p)));
          return acc;
        }
      }
      return Bits.where(n, this.predOf(e));
    }
    switch (e.kind) {
      case 'and':
        return e.items.map((x) => this.bitsOf(x)).reduce((x, y) => x.and(y));
      case 'or':
        return e.items.map((x) => this.bitsOf(x)).reduce((x, y) => x.or(y));
      case 'not':
        return this.bitsOf(e.expr).not();
      case 'compare': {
        const s = e.value.value as string;
        const col = DICT_OF_FIELD[e.field];
        if (col) return this.valueBits(col, this.dictFlags(col, e.op === '=' ? (v) => v === s : (v) => tokensContain(v, s)));
        const kind = LIST_OF_FIELD[e.field]!;
        const tags = e.op === '=' ? [this.tags.find(s)].filter((t): t is number => t !== undefined) : this.tags.values.flatMap((v, t) => (tokensContain(v, s) ? [t] : []));
        return tags.reduce((acc, t) => acc.or(this.tagBits(kind, t)), new Bits(n));
      }
      case 'has': {
        const col = DICT_OF_FIELD[e.field]!;
        return this.valueBits(col, this.dictFlags(col, (v) => v !== ''));
      }
    }
  }

  /** Whether `e` is made of conditions on tags and dictionary columns only (posting lists, no per-row work). */
  private fromPostings(e: Expr): boolean {
    switch (e.kind) {
      case 'and':
      case 'or':
        return e.items.every((x) => this.fromPostings(x));
      case 'not':
        return this.fromPostings(e.expr);
      case 'compare':
        return LIST_OF_FIELD[e.field] !== undefined || DICT_OF_FIELD[e.field] !== undefined;
      case 'has':
        return DICT_OF_FIELD[e.field] !== undefined;
    }
  }

  /** `e` as a closure over one row's position. */
  private predOf(e: Expr): Pred {
    switch (e.kind) {
      case 'and': {
        const parts = e.items.map((x) => this.predOf(x));
        return parts.length === 2 ? ((a, b) => (p: number) => a(p) && b(p))(parts[0]!, parts[1]!) : (p) => parts.every((f) => f(p));
      }
      case 'or': {
        const parts = e.items.map((x) => this.predOf(x));
        return parts.length === 2 ? ((a, b) => (p: number) => a(p) || b(p))(parts[0]!, parts[1]!) : (p) => parts.some((f) => f(p));
      }
      case 'not': {
        const inner = this.predOf(e.expr);
        return (p) => !inner(p);
      }
      case 'has':
        return this.hasPred(e.field);
      case 'compare':
        return this.comparePred(e);
    }
  }

  /** The rows carrying tag `t` (cached; never mutate it). */
  private tagBits(kind: ListKind, t: number): Bits {
    return this.cachedBits(`${kind}:${t}`, this.postingsOf(kind).get(t) ?? []);
  }

  /** Rows whose dictionary column holds a value passing `ok` (a flag per dictionary id). */
  private valueBits(col: DictColumn, ok: Uint8Array): Bits {
    const n = this.rowid.length;
    const out = new Bits(n);
    for (const [id, rows] of this.valuePostingsOf(col)) {
      if (ok[id] !== 1) continue;
      // a frequent value (a status, a big folder) is a cached bitset, ORed word by word
      if (rows.length * 32 > n) out.or(this.cachedBits(`${col}:${id}`, rows));
      else for (const p of rows) out.set(p);
    }
    return out;
  }

  /** A bitset of `rows`, kept until the next change (never mutate it). */
  private cachedBits(key: string, rows: readonly number[]): Bits {
    let bits = this.tagBitsCache.get(key);
    if (!bits) {
      bits = new Bits(this.rowid.length);
      for (const p of rows) bits.set(p);
      if (this.tagBitsCache.size >= TAG_BITS_CACHE_LIMIT) this.tagBitsCache.clear();
      this.tagBitsCache.set(key, bits);
    }
    return bits;
  }

  /** Per value of a dictionary column, the rows holding it (built in one pass, dropped on a change). */
  private valuePostingsOf(col: DictColumn): Map<number, number[]> {
    let m = this.valuePostings.get(col);
    if (!m) {
      m = new Map();
      const values = this.dictColumn(col);
      for (let p = 0; p < values.length; p++) {
        const v = values[p]!;
        if (v < 0 || this.status[p] === GONE) continue;
        let l = m.get(v);
        if (!l) m.set(v, (l = []));
        l.push(p);
      }
      this.valuePostings.set(col, m);
    }
    return m;
  }

  /** One flag per value id of a dictionary column: does the value pass? (Status: per FileStatus.) */
  private dictFlags(col: DictColumn, test: (v: string) => boolean): Uint8Array {
    switch (col) {
      case 'status':
        return Uint8Array.from(STATUSES, (s) => (test(s) ? 1 : 0));
      case 'dir':
        return this.dirs.flags(test);
      case 'type':
        return this.types.flags(test);
      case 'fmt':
        return this.formats.flags(test);
      default:
        return this.strings.flags(test);
    }
  }

  private dictColumn(col: DictColumn): number[] {
    switch (col) {
      case 'dir':
        return this.dir;
      case 'type':
        return this.type;
      case 'fmt':
        return this.fmt;
      case 'ctype':
        return this.ctype;
      case 'sij':
        return this.sij;
      case 'idx':
        return this.idx;
      case 'status':
        return this.status;
    }
  }

  private postingsOf(kind: ListKind): Map<number, number[]> {
    if (!this.postings) {
      const build = (k: ListKind) => {
        const m = new Map<number, number[]>();
        this.lists[k].forEach((tags, p) => {
          if (this.status[p] === GONE) return;
          for (const t of tags) {
            let l = m.get(t);
            if (!l) m.set(t, (l = []));
            l.push(p);
          }
        });
        return m;
      };
      this.postings = { ai: build('ai'), user: build('user'), uda: build('uda'), all: build('all') };
    }
    return this.postings[kind];
  }

  private lowerNamesOf(): string[] {
    return (this.lowerNames ??= this.name.map((n) => n.toLowerCase()));
  }

  // ---------------------------------------------------------------- order

  /** Ascending comparator of positions in SQLite's order: NULL first, then the value, ties by rowid (ids for DatasetFileMetaId). */
  private comparator(sortBy: FileSortField): (a: number, b: number) => number {
    const rowid = this.rowid;
    const tie = (a: number, b: number) => rowid[a]! - rowid[b]!;
    switch (sortBy) {
      case 'DatasetFileMetaId': {
        const id = this.id;
        return (a, b) => (id[a]! < id[b]! ? -1 : id[a]! > id[b]! ? 1 : 0);
      }
      case 'FileName': {
        const name = this.name;
        return (a, b) => (name[a]! < name[b]! ? -1 : name[a]! > name[b]! ? 1 : tie(a, b));
      }
      default: {
        const col = sortBy === 'DataSize' ? this.size : sortBy === 'FileCreateTime' ? this.ctime : this.utime;
        return (a, b) => {
          const x = col[a]!;
          const y = col[b]!;
          const xn = Number.isNaN(x);
          const yn = Number.isNaN(y);
          if (xn || yn) return xn && yn ? tie(a, b) : xn ? -1 : 1;
          return x - y || tie(a, b);
        };
      }
    }
  }

  private permutation(sortBy: FileSortField): Int32Array {
    let perm = this.perms.get(sortBy);
    if (!perm) {
      perm = Int32Array.from({ length: this.rowid.length }, (_, i) => i);
      const cmp = this.comparator(sortBy);
      perm.sort(cmp);
      this.perms.set(sortBy, perm);
    }
    return perm;
  }

  /** Does position p come after the cursor in the walk order? */
  private cursorTest(sortBy: FileSortField, desc: boolean, after: { value: string | number | null; tie: string | number }): Pred {
    const sign = desc ? -1 : 1;
    if (sortBy === 'DatasetFileMetaId') {
      const last = String(after.tie);
      return (p) => sign * (this.id[p]! < last ? -1 : this.id[p]! > last ? 1 : 0) > 0;
    }
    const tieRowid = Number(after.tie);
    if (sortBy === 'FileName') {
      const v = String(after.value);
      return (p) => {
        const n = this.name[p]!;
        const c = n < v ? -1 : n > v ? 1 : this.rowid[p]! - tieRowid;
        return sign * c > 0;
      };
    }
    const col = sortBy === 'DataSize' ? this.size : sortBy === 'FileCreateTime' ? this.ctime : this.utime;
    const v = after.value === null ? NaN : typeof after.value === 'number' ? after.value : Date.parse(after.value);
    const vn = Number.isNaN(v);
    return (p) => {
      const x = col[p]!;
      const xn = Number.isNaN(x);
      let c: number;
      if (xn || vn) c = xn && vn ? this.rowid[p]! - tieRowid : xn ? -1 : 1;
      else c = x - v || this.rowid[p]! - tieRowid;
      return sign * c > 0;
    };
  }
}

function sameLists(a: Array<readonly number[]>, b: Array<readonly number[]>): boolean {
  return a.every((x, i) => {
    const y = b[i]!;
    return x === y || (x.length === y.length && x.every((t, k) => t === y[k]));
  });
}

function isTimeField(f: string) {
  return f.endsWith('Time');
}

function isoOf(t: number): string | null {
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** A set of positions as bits, with the operations a query needs. */
export class Bits {
  readonly words: Uint32Array;
  constructor(readonly size: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((size + 31) >>> 5);
  }
  static all(size: number): Bits {
    const b = new Bits(size);
    b.words.fill(0xffffffff);
    b.trim();
    return b;
  }
  static where(size: number, pred: (p: number) => boolean): Bits {
    const b = new Bits(size);
    for (let p = 0; p < size; p++) if (pred(p)) b.words[p >>> 5]! |= 1 << (p & 31);
    return b;
  }
  set(p: number): void {
    this.words[p >>> 5]! |= 1 << (p & 31);
  }
  has(p: number): boolean {
    return (this.words[p >>> 5]! & (1 << (p & 31))) !== 0;
  }
  and(o: Bits): Bits {
    for (let i = 0; i < this.words.length; i++) this.words[i]! &= o.words[i]!;
    return this;
  }
  or(o: Bits): Bits {
    for (let i = 0; i < this.words.length; i++) this.words[i]! |= o.words[i]!;
    return this;
  }
  not(): Bits {
    for (let i = 0; i < this.words.length; i++) this.words[i] = ~this.words[i]!;
    this.trim();
    return this;
  }
  /** Clears the bits whose positions fail `pred`. */
  retain(pred: (p: number) => boolean): void {
    this.forEach((p) => {
      if (!pred(p)) this.words[p >>> 5]! &= ~(1 << (p & 31));
    });
  }
  count(): number {
    let c = 0;
    for (let i = 0; i < this.words.length; i++) {
      let v = this.words[i]!;
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      c += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    return c;
  }
  forEach(f: (p: number) => void): void {
    for (let i = 0; i < this.words.length; i++) {
      let v = this.words[i]!;
      while (v !== 0) {
        const low = v & -v;
        f((i << 5) + 31 - Math.clz32(low));
        v ^= low;
      }
    }
  }
  /** Positions, ascending; at most `limit`. */
  positions(limit = Infinity): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.words.length && out.length < limit; i++) {
      let v = this.words[i]!;
      while (v !== 0 && out.length < limit) {
        const low = v & -v;
        out.push((i << 5) + 31 - Math.clz32(low));
        v ^= low;
      }
    }
    return out;
  }
  private trim(): void {
    const extra = this.words.length * 32 - this.size;
    if (extra > 0) this.words[this.words.length - 1]! &= 0xffffffff >>> extra;
  }
}
