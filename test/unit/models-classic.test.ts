// The classic embedder: contract details, and near-duplicates ranking first on the COCO photos.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ClassicEmbedder } from '../../lib/adapters/models/classic-embedder.js';
import type { EmbedOutcome } from '../../lib/ports/embedder.js';
import { ModelError } from '../../lib/ports/model-errors.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';

const embedder = new ClassicEmbedder();
const vectorOf = (o: EmbedOutcome | undefined) => {
  if (!o?.ok) throw new Error(`no vector: ${JSON.stringify(o)}`);
  return o.vector;
};
const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe('ClassicEmbedder', () => {
  it('is classic:v1, 512-dimensional, image-only', () => {
    expect([embedder.id, embedder.dimension, embedder.supportsText]).toEqual(['classic:v1', 512, false]);
  });

  it('refuses text with a permanent error naming classic', async () => {
    const e = await embedder.embed([{ kind: 'text', text: 'a cat' }]).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ModelError);
    expect((e as ModelError).kind).toBe('permanent');
    expect((e as ModelError).message).toMatch(/classic.*no text side/);
  });

  it('gives a deterministic unit vector per image, and a per-input failure for bytes it cannot decode', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 10, g: 120, b: 200, alpha: 0.5 } } })
      .png()
      .toBuffer();
    const out = await embedder.embed([
      { kind: 'image', data: png, mime: 'image/png' },
      { kind: 'image', data: Buffer.from('not an image'), mime: 'image/jpeg' },
      { kind: 'image', data: png, mime: 'image/png' },
    ]);
    const v = vectorOf(out[0]);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(512);
    expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    expect(vectorOf(out[2])).toEqual(v);
    expect(out[1]).toMatchObject({ ok: false });
    expect((out[1] as { error: string }).error).toMatch(/^classic could not decode the image: /);
  });
});

const cocoDir = fixturesDir ? path.join(fixturesDir, 'coco', 'images') : '';
const title = (what: string) => (fixturesMissing ? `${what} (skipped: ${FIXTURES_SKIP_MESSAGE})` : what);

describe.skipIf(fixturesMissing)(title('ClassicEmbedder near-duplicates on $LOUPE_FIXTURES/coco'), () => {
  it("ranks every variant's own original first among all 102 originals", async () => {
    const files = readdirSync(cocoDir).filter((f) => /\.jpe?g$/i.test(f)).sort();
    expect(files.length).toBeGreaterThanOrEqual(100);
    const originals = files.map((f) => readFileSync(path.join(cocoDir, f)));
    const started = performance.now();
    const vectors = (await embedder.embed(originals.map((data) => ({ kind: 'image' as const, data, mime: 'image/jpeg' })))).map(vectorOf);
    const msPerImage = (performance.now() - started) / originals.length;

    const variants = async (bytes: Buffer): Promise<Record<string, Buffer>> => {
      const { width = 0, height = 0 } = await sharp(bytes).metadata();
      const cropX = Math.round(width * 0.05);
      const cropY = Math.round(height * 0.05);
      return {
        'resized to 50%': await sharp(bytes).resize(Math.round(width / 2)).jpeg({ quality: 90 }).toBuffer(),
        'JPEG quality 60': await sharp(bytes).jpeg({ quality: 60 }).toBuffer(),
        'cropped 5% off left and top': await sharp(bytes).extract({ left: cropX, top: cropY, width: width - cropX, height: height - cropY }).jpeg().toBuffer(),
        'brightened 15%': await sharp(bytes).modulate({ brightness: 1.15 }).jpeg({ quality: 90 }).toBuffer(),
        'all of these at once': await sharp(bytes)
          .extract({ left: Math.round(cropX / 2), top: Math.round(cropY / 2), width: width - cropX, height: height - cropY })
          .resize(Math.round(width * 0.6))
          .modulate({ brightness: 1.1 })
          .jpeg({ quality: 60 })
          .toBuffer(),
      };
    };

    const picked = files.map((_, i) => i).filter((i) => i % 5 === 0); // 21 photos
    const misses: string[] = [];
    let total = 0;
    let worstMargin = Infinity;
    for (const i of picked) {
      const vs = Object.entries(await variants(originals[i]!));
      const outs = await embedder.embed(vs.map(([, data]) => ({ kind: 'image' as const, data, mime: 'image/jpeg' })));
      vs.forEach(([name], k) => {
        total++;
        const scores = vectors.map((o) => dot(vectorOf(outs[k]), o));
        const best = scores.indexOf(Math.max(...scores));
        const rival = Math.max(...scores.filter((_, j) => j !== i));
        worstMargin = Math.min(worstMargin, scores[i]! - rival);
        if (best !== i) misses.push(`${files[i]} (${name}) → ${files[best]}`);
      });
    }
    console.info(
      `classic near-duplicates: ${total - misses.length}/${total} variants of ${picked.length} photos rank their original first; ` +
        `worst margin ${worstMargin.toFixed(3)}; ${msPerImage.toFixed(1)} ms/image over ${originals.length} COCO originals`,
    );
    expect(misses).toEqual([]);
  });
});
