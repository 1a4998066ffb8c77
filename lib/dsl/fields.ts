// The fields a query may name, their types, and how they are stored. The one catalogue every
// compiler reads; a field not here is an error at its position.

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
  FileType: 'text',
  ContentType: 'text',
  SemanticIndexJobId: 'text',
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
