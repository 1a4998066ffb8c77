// The fields a query may name, their types, and how they are stored. The one catalogue every
// compiler reads; a field not here is an error at its position.
import type { Expr } from './ast.js';

/**
 * - `text`: a single string (`=` exact, `:` tokenized, `HAS`).
 * - `list`: a list of strings (`=` some element equals, `:` one element's tokens contain all, `HAS` non-empty).
 * - `number`: `=`, `>`, `>=`, `<`, `<=` with a number literal; `HAS` = known.
 * - `time`: as number, with a quoted ISO 8601 instant; compared as instants (UTC).
 */
export type FieldType = 'text' | 'list' | 'number' | 'time';

export const QUERY_FIELDS = {
  FileName: 'text',
  FileDir: 'text',
  Uri: 'text',
  /** PAI's FileType: image, video, audio, text, application. */
  FileType: 'text',
  /** The format found in the bytes (jpeg, png, …), the extension before probing. */
  FileFormat: 'text',
  ContentType: 'text',
  SemanticIndexJobId: 'text',
  /** PENDING, ACTIVE, FAILED, SKIPPED, DELETED. Naming it lifts the listing's default status filter. */
  Status: 'text',
  DatasetFileMetaId: 'text',
  DataSize: 'number',
  ImageWidth: 'number',
  ImageHeight: 'number',
  FileCreateTime: 'time',
  FileUpdateTime: 'time',
  TagUpdateTime: 'time',
  SemanticIndexUpdateTime: 'time',
  'Tags.all': 'list',
  'Tags.ai': 'list',
  'Tags.user': 'list',
  'Tags.user-delete-ai-tags': 'list',
} as const satisfies Record<string, FieldType>;

export type QueryField = keyof typeof QUERY_FIELDS;

export const fieldType = (f: QueryField): FieldType => QUERY_FIELDS[f];

const byLowerName = new Map<string, QueryField>(Object.keys(QUERY_FIELDS).map((k) => [k.toLowerCase(), k as QueryField]));

/** Field names are matched case-insensitively and canonicalised (`tags.ALL` → `Tags.all`). */
export function lookupField(name: string): QueryField | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** Whether a filter names a field anywhere (e.g. Status, which then replaces the default status filter). */
export function mentionsField(e: Expr, field: QueryField): boolean {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.items.some((x) => mentionsField(x, field));
    case 'not':
      return mentionsField(e.expr, field);
    case 'compare':
    case 'has':
      return e.field === field;
  }
}
