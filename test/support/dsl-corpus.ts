// Seeded random FileMetas and queries over them, for differential tests of every back end against the
// evaluator (shared by the tests of the SQLite compiler, the in-memory index and the fuzzers).
import type Database from 'better-sqlite3';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import type { CompareOp, Expr, Literal, Pos } from '../../lib/dsl/ast.js';
import { evaluate, fieldValue } from '../../lib/dsl/evaluator.js';
import { fieldType, QUERY_FIELDS, type QueryField } from '../../lib/dsl/fields.js';
import { canonicalIso, parseIsoInstant } from '../../lib/dsl/iso-instant.js';
import { tokenize } from '../../lib/dsl/tokenize.js';
import { mulberry32 } from './loopback-server.js';

export type Rng = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export const seededRng = (seed: number): Rng => mulberry32(seed);

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)]!;
}
function some<T>(rng: Rng, xs: readonly T[], max: number): T[] {
  const n = xs.length ? int(rng, 0, max) : 0;
  return Array.from({ length: n }, () => pick(rng, xs));
}

// Mixed scripts, case, underscores, fullwidth and combining forms, quotes and backslashes.
const WORDS = [
  'blue', 'Blue', 'BLUE', 'car', 'Car', 'blue_car', 'Blue_Car', 'toyota', 'Toyota', 'red', 'cat', 'dog',
  '蓝色汽车', '汽车', '蓝色', '猫', 'ラーメン', 'カメラ', 'ひらがな', '한국어', '서울', 'école', 'ÉCOLE',
  'naïve', 'nai\u0308ve', 'ｆｕｌｌ', 'Ｆｕｌｌ', 'img_001', 'IMG-001', 'img001', 'a.b', 'x', '42', '2025',
  'say "hi"', 'back\\slash', 'o\'brien', 'line', 'lane line', 'gate', 'straße', 'STRASSE', 'Ωmega', 'ωmega',
];
const SEPARATORS = ['_', '-', '.', ' ', '', '/', '__', ', '];
const TAGS = [
  'car', 'blue car', 'Blue Car', 'lane line', 'barrier gate', 'rainy days', 'rainy', 'days', 'night',
  '汽车', '蓝色汽车', '雨天', 'traffic_light', 'traffic light', 'TRAFFIC-LIGHT', 'person', 'people', 'école',
  'say "hi"', 'back\\slash', '',
];
const EXTENSIONS = ['jpg', 'JPG', 'png', 'jpeg', 'webp', 'gif', 'tiff', 'bmp', ''];
const FILE_TYPES = ['image', 'image', 'image', 'text', 'application', 'video', ''];
const FILE_FORMATS = ['jpeg', 'png', 'gif', 'bmp', 'tiff', 'webp', 'jpg', ''];
const STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'PENDING', 'FAILED', 'SKIPPED', 'DELETED'] as const;
const CONTENT_TYPES = [null, null, 'image/jpeg', 'image/png', 'image/webp', ''];
const SIZES = [0, 1, 100, 1023, 1024, 1025, 2048, 65536, 123456, 1_000_000, 5_000_000];
const DIMENSIONS = [1, 16, 64, 100, 640, 720, 1024, 1080, 1920, 4096];
const JOB_IDS = [null, null, 'job-1', 'job-2', 'Job-1', 'job_abc', ''];

/** A pool of instants (ms precision, some on whole days) so that `=` on times finds matches. */
function timePool(rng: Rng): number[] {
  const lo = Date.UTC(2020, 0, 1);
  const hi = Date.UTC(2026, 0, 1);
  return Array.from({ length: 40 }, (_, i) => {
    const t = lo + Math.floor(rng() * (hi - lo));
    return i % 4 === 0 ? t - (t % 86_400_000) : i % 4 === 1 ? t - (t % 1000) : t;
  });
}

function words(rng: Rng, n: number): string {
  let s = pick(rng, WORDS);
  for (let i = 1; i < n; i++) s += pick(rng, SEPARATORS) + pick(rng, WORDS);
  return s;
}

/** An ACTIVE, probed, tagged and indexed file, with `patch` over it (tags merge field by field). */
export function makeFileMeta(patch: Partial<Omit<FileMeta, 'tags'>> & { tags?: Partial<FileMeta['tags']> } = {}): FileMeta {
  const { tags, ...rest } = patch;
  return {
    datasetFileMetaId: 'fm-1',
    datasetId: 'ds-1',
    versionName: 'v1',
    uri: 'oss://bucket/root/data/blue_car/camry.jpg',
    fileName: 'camry.jpg',
    fileDir: 'data/blue_car/',
    dataSize: 1024,
    fileFingerPrint: 'etag',
    fileCreateTime: null,
    fileUpdateTime: '2025-03-15T10:00:00.000Z',
    fileType: 'image',
    fileFormat: 'jpeg',
    comment: '',
    contentType: 'image/jpeg',
    metaAttributes: { ImageWidth: 640, ImageHeight: 480 },
    tags: { ai: ['lane line', 'barrier gate'], user: [], userDeleteAiTags: [], ...tags },
    tagUpdateTime: '2025-03-16T00:00:00.000Z',
    semanticIndexJobId: 'job-1',
    semanticIndexUpdateTime: '2025-03-17T00:00:00.000Z',
    status: 'ACTIVE',
    failReason: null,
    probedFingerPrint: null,
    probeDepth: null,
    tagFingerPrint: null,
    tagDefinitionId: null,
    tagDefinitionVersion: null,
    tagModel: null,
    tagError: null,
    embedFingerPrint: null,
    embedderId: null,
    indexName: null,
    embedError: null,
    createTime: '2025-03-15T10:00:00.000Z',
    updateTime: '2025-03-15T10:00:00.000Z',
    ...rest,
  };
}

export interface Corpus {
  metas: FileMeta[];
  /** The instants the metas' times are drawn from. */
  times: number[];
}

export function randomCorpus(rng: Rng, n: number): Corpus {
  const times = timePool(rng);
  const time = () => canonicalIso(pick(rng, times));
  const maybeTime = () => (rng() < 0.3 ? null : time());
  const dirs = Array.from({ length: 30 }, () => (rng() < 0.15 ? '' : `${Array.from({ length: int(rng, 1, 3) }, () => words(rng, int(rng, 1, 2)).replace(/\//g, '_')).join('/')}/`));
  const metas = Array.from({ length: n }, (_, i): FileMeta => {
    const ext = pick(rng, EXTENSIONS);
    const fileName = `${words(rng, int(rng, 1, 3)).replace(/\//g, '-')}${ext ? `.${ext}` : ''}`;
    const fileDir = pick(rng, dirs);
    const ai = [...new Set(some(rng, TAGS, 4))];
    const attributes: FileMeta['metaAttributes'] = {};
    const shape = rng();
    if (shape < 0.6) {
      attributes.ImageWidth = pick(rng, DIMENSIONS);
      attributes.ImageHeight = pick(rng, DIMENSIONS);
    } else if (shape < 0.7) {
      attributes.ImageWidth = pick(rng, ['640', true, 1.5, 0] as const);
    } else if (shape < 0.75) {
      attributes.ImageHeight = pick(rng, DIMENSIONS);
    }
    const indexed = rng() < 0.5;
    return makeFileMeta({
      datasetFileMetaId: `fm-${String(i).padStart(5, '0')}`,
      uri: `oss://bucket/root/${fileDir}${fileName}`,
      fileName,
      fileDir,
      dataSize: rng() < 0.7 ? pick(rng, SIZES) : int(rng, 0, 10_000_000),
      fileFingerPrint: `etag-${i}`,
      fileCreateTime: maybeTime(),
      fileUpdateTime: time(),
      fileType: pick(rng, FILE_TYPES),
      fileFormat: pick(rng, FILE_FORMATS),
      status: pick(rng, STATUSES),
      contentType: pick(rng, CONTENT_TYPES),
      metaAttributes: attributes,
      tags: {
        ai,
        user: [...new Set(some(rng, TAGS, 2))],
        // mostly ai tags the user removed, sometimes one that is not (or no longer) an ai tag
        userDeleteAiTags: [...new Set([...some(rng, ai, 2), ...(rng() < 0.1 ? [pick(rng, TAGS)] : [])])],
      },
      tagUpdateTime: ai.length ? time() : maybeTime(),
      semanticIndexJobId: indexed ? pick(rng, JOB_IDS) : null,
      semanticIndexUpdateTime: indexed ? time() : null,
    });
  });
  return { metas, times };
}

const NO_POS: Pos = { offset: 0, line: 1, col: 1 };
const FIELDS = Object.keys(QUERY_FIELDS) as QueryField[];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An ISO 8601 spelling of `instant`, in one of the forms the language accepts. */
function spellInstant(rng: Rng, instant: number): string {
  const iso = canonicalIso(instant);
  const r = rng();
  if (r < 0.3) return iso;
  if (r < 0.4 && instant % 86_400_000 === 0) return iso.slice(0, 10);
  if (r < 0.5 && instant % 1000 === 0) return `${iso.slice(0, 19)}${pick(rng, ['Z', 'z', ''])}`;
  if (r < 0.6) return `${iso.slice(0, 10)}t${iso.slice(11, 23)}123456z`; // sub-millisecond digits are cut
  const offsetMin = pick(rng, [-720, -330, -60, 60, 330, 480, 840]);
  const d = new Date(instant + offsetMin * 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${d.toISOString().slice(0, 23)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function stringValue(rng: Rng, field: QueryField, op: CompareOp, metas: readonly FileMeta[]): string {
  const r = rng();
  let v: string;
  if (r < 0.7) {
    const fv = fieldValue(field, pick(rng, metas));
    const candidates = fv.type === 'list' ? fv.value : fv.type === 'text' && fv.value !== null ? [fv.value] : [];
    v = candidates.length ? pick(rng, candidates) : pick(rng, TAGS);
  } else {
    v = r < 0.85 ? pick(rng, TAGS) : words(rng, int(rng, 1, 2));
  }
  if (op === ':') {
    // a few of the value's tokens, rejoined and re-cased, so matches are not just exact ones
    const tokens = tokenize(v);
    const chosen = tokens.length ? some(rng, tokens, Math.min(3, tokens.length)) : [];
    const needle = (chosen.length ? chosen : [tokens[0] ?? pick(rng, ['car', '汽', 'blue'])]).join(pick(rng, [' ', '_', '-', '/', '']));
    v = rng() < 0.3 ? needle.toUpperCase() : needle;
    if (tokenize(v).length === 0) v = 'car';
  } else if (rng() < 0.1) {
    v = rng() < 0.5 ? v.toUpperCase() : `${v} `;
  }
  return v;
}

function numberValue(rng: Rng, field: QueryField, metas: readonly FileMeta[]): number {
  const fv = fieldValue(field, pick(rng, metas));
  const base = fv.type === 'number' && fv.value !== null && rng() < 0.7 ? fv.value : pick(rng, [...SIZES, ...DIMENSIONS]);
  return pick(rng, [base, base, base, base + 1, base - 1, base + 0.5, -base, 1e21, 1.5e-7]) || 0;
}

function timeValue(rng: Rng, field: QueryField, metas: readonly FileMeta[], times: readonly number[]): Literal {
  const fv = fieldValue(field, pick(rng, metas));
  const base = fv.type === 'time' && fv.value !== null && rng() < 0.5 ? fv.value : pick(rng, times);
  const instant = base + pick(rng, [0, 0, 0, 1, -1, 86_400_000]);
  const value = spellInstant(rng, instant);
  return { kind: 'string', value, instant: parseIsoInstant(value)! };
}

export function randomAtom(rng: Rng, corpus: Corpus): Expr {
  const field = pick(rng, FIELDS);
  if (rng() < 0.15) return { kind: 'has', field, pos: NO_POS };
  const type = fieldType(field);
  const ops: CompareOp[] = type === 'text' || type === 'list' ? ['=', ':'] : ['=', '>', '>=', '<', '<='];
  const op = pick(rng, ops);
  const value: Literal =
    type === 'number'
      ? { kind: 'number', value: numberValue(rng, field, corpus.metas) }
      : type === 'time'
        ? timeValue(rng, field, corpus.metas, corpus.times)
        : { kind: 'string', value: stringValue(rng, field, op, corpus.metas) };
  return { kind: 'compare', field, op, value, pos: NO_POS };
}

/** A random filter at most `depth` levels deep; and/or have 2–3 items (4 now and then). */
export function randomExpr(rng: Rng, corpus: Corpus, depth = 5): Expr {
  const r = rng();
  if (depth <= 1 || r < 0.45) return randomAtom(rng, corpus);
  if (r < 0.6) return { kind: 'not', expr: randomExpr(rng, corpus, depth - 1), pos: NO_POS };
  const items = Array.from({ length: rng() < 0.1 ? 4 : int(rng, 2, 3) }, () => randomExpr(rng, corpus, depth - 1));
  return { kind: r < 0.82 ? 'and' : 'or', items, pos: NO_POS };
}

/** The ids the reference semantics selects. */
export const evaluatedIds = (expr: Expr, metas: readonly FileMeta[]): string[] =>
  metas.filter((m) => evaluate(expr, m)).map((m) => m.datasetFileMetaId);

/** Inserts FileMetas straight into a file_metas table (differential tests: any row the schema allows). */
export function insertFileMetas(db: Database.Database, metas: readonly FileMeta[]): void {
  const st = db.prepare(
    `INSERT INTO file_metas (id, dataset_id, version_name, uri, file_name, file_dir, data_size, fingerprint, file_create_time,
       file_update_time, file_type, file_format, content_type, meta_attributes, tags_ai, tags_user, tags_user_delete_ai, tag_update_time,
       semantic_index_job_id, semantic_index_update_time, status, comment, create_time, update_time)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const m of metas) {
      st.run(
        m.datasetFileMetaId, m.datasetId, m.versionName, m.uri, m.fileName, m.fileDir, m.dataSize, m.fileFingerPrint,
        m.fileCreateTime, m.fileUpdateTime, m.fileType, m.fileFormat, m.contentType, JSON.stringify(m.metaAttributes),
        JSON.stringify(m.tags.ai), JSON.stringify(m.tags.user), JSON.stringify(m.tags.userDeleteAiTags), m.tagUpdateTime,
        m.semanticIndexJobId, m.semanticIndexUpdateTime, m.status, m.comment, m.createTime, m.updateTime,
      );
    }
  })();
}
