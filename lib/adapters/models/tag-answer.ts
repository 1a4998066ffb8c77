// Reads a model's tagging answer and keeps only what the tag definition allows; the rest goes to `dropped`.
import { ModelError } from '../../ports/model-errors.js';
import type { TagResult } from '../../ports/tagger.js';
import type { TagItems } from './tag-prompt.js';

type TagItem = TagItems[number];

/**
 * `content` is the model's text: `{"tags": {...}}` (see tag-prompt.ts), possibly in ```json fences or
 * after a sentence; a list `{"tags": ["Name", "Name:Value"]}` is read too. Free tags come out as `Name`,
 * closed-value tags as `Name:Value`, names and values spelt as the definition spells them.
 * Throws a permanent ModelError for text that is not JSON or JSON of another shape (its message never
 * quotes the answer: a model can be made to repeat its prompt or its key).
 */
export function readTagAnswer(content: string, items: TagItems): TagResult {
  const parsed = parseJsonAnswer(content);
  const tagsField = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).tags : undefined;
  if (!tagsField || typeof tagsField !== 'object') {
    throw new ModelError('permanent', 'model answered off-shape JSON (expected {"tags": {...}})');
  }
  const out = new TagCollector(items);
  if (Array.isArray(tagsField)) {
    for (const entry of tagsField) out.listed(entry);
  } else {
    for (const [name, answer] of Object.entries(tagsField)) out.answered(name, answer);
  }
  return out.result();
}

function parseJsonAnswer(content: string): unknown {
  const text = content.trim();
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  const candidates = [fenced?.[1]?.trim(), text];
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(text.slice(first, last + 1));
  for (const c of candidates) {
    if (!c) continue;
    try {
      return JSON.parse(c) as unknown;
    } catch {
      // try the next reading
    }
  }
  throw new ModelError('permanent', 'model answered non-JSON');
}

const YES = new Set(['true', 'yes', 'y', '1']);
const NO = new Set(['false', 'no', 'n', '0', 'none', 'null', '']);

class TagCollector {
  private readonly byName = new Map<string, TagItem>();
  private readonly tags = new Set<string>();
  private readonly dropped = new Set<string>();

  constructor(items: TagItems) {
    for (const item of items) this.byName.set(key(item.name), item);
  }

  answered(name: string, answer: unknown): void {
    const item = this.byName.get(key(name));
    if (!item) {
      if (asserts(answer)) this.dropUnknown(name, answer);
      return;
    }
    if (!item.values || item.values.length === 0) return this.free(item, answer);
    const values = Array.isArray(answer) ? answer : [answer];
    for (const v of values) this.closed(item, v);
  }

  listed(entry: unknown): void {
    if (typeof entry !== 'string') {
      if (entry !== null && entry !== undefined) this.dropped.add(JSON.stringify(entry));
      return;
    }
    const whole = this.byName.get(key(entry));
    if (whole && (!whole.values || whole.values.length === 0)) return void this.tags.add(whole.name);
    const colon = entry.indexOf(':');
    if (colon < 0) return void this.dropped.add(entry.trim());
    const item = this.byName.get(key(entry.slice(0, colon)));
    if (!item || !item.values || item.values.length === 0) return void this.dropped.add(entry.trim());
    this.closed(item, entry.slice(colon + 1));
  }

  result(): TagResult {
    return { tags: [...this.tags], dropped: [...this.dropped] };
  }

  private free(item: TagItem, answer: unknown): void {
    if (answer === true) return void this.tags.add(item.name);
    if (answer === false || answer === null || answer === undefined) return;
    if (typeof answer === 'string' || typeof answer === 'number') {
      const word = key(String(answer));
      if (YES.has(word)) return void this.tags.add(item.name);
      if (NO.has(word)) return;
    }
    this.dropped.add(`${item.name}:${show(answer)}`);
  }

  private closed(item: TagItem, value: unknown): void {
    if (value === null || value === undefined || value === false) return;
    if (typeof value === 'string' && NO.has(key(value))) return;
    if (typeof value !== 'string' && typeof value !== 'number') return void this.dropped.add(`${item.name}:${show(value)}`);
    const wanted = key(String(value));
    const match = item.values!.find((v) => key(v) === wanted);
    if (match === undefined) return void this.dropped.add(`${item.name}:${String(value).trim()}`);
    this.tags.add(`${item.name}:${match}`);
  }

  private dropUnknown(name: string, answer: unknown): void {
    const values = Array.isArray(answer) ? answer : [answer];
    for (const v of values) {
      this.dropped.add(v === true || (typeof v === 'string' && YES.has(key(v))) ? name.trim() : `${name.trim()}:${show(v)}`);
    }
  }
}

const key = (s: string) => s.trim().toLowerCase();
const show = (v: unknown) => (typeof v === 'string' ? v.trim() : JSON.stringify(v));
/** Whether an answer says something applies (false/null/"no" about an unknown tag is not worth a log line). */
const asserts = (answer: unknown) =>
  !(answer === false || answer === null || answer === undefined || (typeof answer === 'string' && NO.has(key(answer))) || (Array.isArray(answer) && answer.length === 0));
