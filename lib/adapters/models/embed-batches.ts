// Sends an embedder's inputs in consecutive requests of at most maxBatch; outcomes stay in input order.
import type { EmbedInput, EmbedOutcome } from '../../ports/embedder.js';

export async function embedInBatches(
  inputs: EmbedInput[],
  maxBatch: number,
  embedBatch: (batch: EmbedInput[]) => Promise<EmbedOutcome[]>,
): Promise<EmbedOutcome[]> {
  const out: EmbedOutcome[] = [];
  for (let start = 0; start < inputs.length; start += maxBatch) {
    out.push(...(await embedBatch(inputs.slice(start, start + maxBatch))));
  }
  return out;
}
