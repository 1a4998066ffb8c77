// A STAND-IN for a text-capable embedding model, for tests only: it "knows" each image's labels (by the
// sha256 of the image bytes it receives) and places vectors so that a label's text lies near the images
// carrying that label. It measures nothing about any real model; it lets an evaluation run end to end
// with rankings whose quality is known in advance. Plug it into the loopback GME service as `embed`.
//
// Geometry: one axis per label (the vocabulary, sorted) plus SPARE_AXES spare ones.
// - text equal to a label → that label's axis; any other text → a hash-seeded unit vector;
// - an image → the unit mean of its labels' axes (cosine to a label's text = 1/√|labels| when it carries
//   the label, 0 when not), plus noise of norm ≈ `noise[model]` in a direction seeded by the image's
//   hash and the model, then normalized. Noise 0 ranks every carrier of a tag above every other image.
// An image it does not know gets a hash-seeded vector and is counted (`unknownImages`).
import { createHash } from 'node:crypto';
import type { GmeEmbed } from './loopback-gme.js';
import { mulberry32 } from './loopback-server.js';

const SPARE_AXES = 16;

export interface LabelEmbeddingOptions {
  /** sha256 (hex) of an image's bytes → its labels. */
  labelsBySha256: ReadonlyMap<string, readonly string[]>;
  /** Noise per model name (the request's `model`); a model not listed gets none. */
  noise?: Readonly<Record<string, number>>;
  /** Seeds the noise (with the image and the model). Default 1. */
  seed?: number;
}

export interface LabelEmbedding {
  embed: GmeEmbed;
  dimension: number;
  /** Images received that were not in the table (they get hash-seeded vectors). */
  unknownImages(): number;
}

export function labelEmbedding(opts: LabelEmbeddingOptions): LabelEmbedding {
  const vocabulary = [...new Set([...opts.labelsBySha256.values()].flat())].sort();
  const axisOf = new Map(vocabulary.map((label, i) => [label, i]));
  const dimension = vocabulary.length + SPARE_AXES;
  let unknown = 0;

  const embed: GmeEmbed = (input, model) => {
    if (input.type === 'text') {
      const axis = axisOf.get(input.text);
      return axis !== undefined ? oneHot(dimension, axis) : unit(gaussian(dimension, seedOf(`text:${input.text}`)));
    }
    const sha = createHash('sha256').update(input.data).digest('hex');
    const labels = opts.labelsBySha256.get(sha);
    if (!labels) {
      unknown++;
      return unit(gaussian(dimension, seedOf(`image:${sha}`)));
    }
    const v = new Array<number>(dimension).fill(0);
    if (labels.length === 0) v[vocabulary.length] = 1; // a spare axis: near no label
    for (const l of labels) v[axisOf.get(l)!]! += 1 / Math.sqrt(labels.length);
    const sigma = opts.noise?.[model] ?? 0;
    if (sigma > 0) {
      // Each coordinate ~ N(0, 1/dimension), so the noise vector's norm is ≈ 1 before scaling.
      const g = gaussian(dimension, seedOf(`noise:${opts.seed ?? 1}:${model}:${sha}`));
      for (let i = 0; i < dimension; i++) v[i]! += (sigma * g[i]!) / Math.sqrt(dimension);
    }
    return unit(v);
  };
  return { embed, dimension, unknownImages: () => unknown };
}

const seedOf = (s: string) => createHash('sha1').update(s).digest().readUInt32LE(0);

function oneHot(dimension: number, axis: number): number[] {
  const v = new Array<number>(dimension).fill(0);
  v[axis] = 1;
  return v;
}

/** Standard normal draws (Box–Muller over the seeded PRNG). */
function gaussian(n: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}
