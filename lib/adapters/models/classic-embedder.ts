// The built-in `classic` embedder: offline, deterministic, image-only (near-duplicate and look-alike search).
import type { EmbedInput, EmbedOutcome, Embedder } from '../../ports/embedder.js';
import { ModelError } from '../../ports/model-errors.js';
import { sharpReason } from '../../media/sharp-input.js';
import { CLASSIC_DIMENSION, classicDescriptor } from './classic-descriptor.js';

/**
 * 512 dimensions (see classic-descriptor.ts): 8×8 Lab colour layout (192) + 4×4×8 gradient orientations
 * (128) + 16×4×3 HSV histogram (192), unit length. It has no text side: a text input is a permanent error.
 */
export class ClassicEmbedder implements Embedder {
  readonly id = 'classic:v1';
  readonly dimension = CLASSIC_DIMENSION;
  readonly supportsText = false;
  readonly maxBatch = 32;

  async embed(inputs: EmbedInput[], opts: { signal?: AbortSignal } = {}): Promise<EmbedOutcome[]> {
    if (inputs.some((i) => i.kind === 'text')) {
      throw new ModelError('permanent', 'the classic embedder has no text side: it embeds images only (use a GME or DashScope index for text search)');
    }
    return Promise.all(
      inputs.map(async (input): Promise<EmbedOutcome> => {
        opts.signal?.throwIfAborted();
        try {
          return { ok: true, vector: await classicDescriptor((input as Extract<EmbedInput, { kind: 'image' }>).data) };
        } catch (e) {
          return { ok: false, error: `classic could not decode the image: ${sharpReason(e)}` };
        }
      }),
    );
  }
}
