// Reads `output.embeddings: [{index, embedding, type}]` (GME and DashScope share it) into one slot per input.
import type { EmbedOutcome } from '../../ports/embedder.js';
import { ModelError } from '../../ports/model-errors.js';
import { l2Normalize } from './l2-normalize.js';

/** Per input: its unit vector, why it has none (a string), or undefined when the service left it out. */
export type EmbeddingSlot = Float32Array | string | undefined;

/** Throws a permanent ModelError when `list` is not that shape (garbage is not worth a retry). */
export function readEmbeddingList(service: string, list: unknown, count: number): EmbeddingSlot[] {
  if (!Array.isArray(list)) throw offShape(service, 'output.embeddings is not a list');
  const slots: EmbeddingSlot[] = new Array(count).fill(undefined);
  list.forEach((entry: unknown, position) => {
    if (!entry || typeof entry !== 'object') throw offShape(service, `embeddings[${position}] is not an object`);
    const { index, embedding } = entry as { index?: unknown; embedding?: unknown };
    // A lone answer without an index can only be for the lone input.
    const at = index === undefined && list.length === 1 && count === 1 ? 0 : index;
    if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= count) {
      throw offShape(service, `embeddings[${position}].index is not one of the ${count} inputs`);
    }
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === 'number')) {
      throw offShape(service, `embeddings[${position}].embedding is not a list of numbers`);
    }
    slots[at] = l2Normalize(embedding as number[]) ?? `${service} answered a zero or non-finite vector`;
  });
  return slots;
}

/**
 * The vector length every answer must share: `known`, else the first one seen. A change means another
 * model behind the endpoint, which would corrupt an index: a permanent error.
 */
export function settleDimension(service: string, known: number | undefined, slots: readonly EmbeddingSlot[]): number | undefined {
  let dimension = known;
  for (const s of slots) {
    if (!(s instanceof Float32Array)) continue;
    dimension ??= s.length;
    if (s.length !== dimension) {
      throw new ModelError('permanent', `${service} answered a ${s.length}-dimensional vector, expected ${dimension}`);
    }
  }
  return dimension;
}

/** One outcome per slot; `missing(i)` says why the service left input i out. */
export function slotOutcomes(slots: readonly EmbeddingSlot[], missing: (index: number) => string): EmbedOutcome[] {
  return slots.map((slot, i) => (slot instanceof Float32Array ? { ok: true, vector: slot } : { ok: false, error: slot ?? missing(i) }));
}

/** Says what is wrong with the answer, never what it held. */
function offShape(service: string, what: string): ModelError {
  return new ModelError('permanent', `${service} answered off-shape JSON (${what})`);
}
