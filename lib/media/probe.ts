// The fast path: format and dimensions from headers plus cheap structural checks, without decoding pixels.
import type { ImageFormat } from '../domain/file-meta.js';
import type { ByteSource } from './byte-source.js';
import { pixelLimitReason, resolveLimits, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';
import { probeBmp } from './probe-bmp.js';
import { probeGif } from './probe-gif.js';
import { probeJpeg } from './probe-jpeg.js';
import { probePng } from './probe-png.js';
import { ProbeReader, ReadBudgetExhausted } from './probe-reader.js';
import type { HeaderFacts, ProbeResult } from './probe-result.js';
import { probeTiff } from './probe-tiff.js';
import { probeWebp } from './probe-webp.js';
import { contentTypeOf, looksLikeDamagedPng, sniffFormat } from './sniff.js';

export type { ProbeResult } from './probe-result.js';

/**
 * Reads at most a 64 KiB head plus a bounded number of windows. Failures of the source itself
 * (network, permissions) are thrown, not reported: they say nothing about the image.
 */
export async function probeImage(src: ByteSource, limits: Partial<MediaLimits> = {}): Promise<ProbeResult> {
  const { maxPixels } = resolveLimits(limits);
  if (src.size === 0) return { ok: false, reason: 'empty file' };
  const reader = new ProbeReader(src);
  const head = await reader.start();
  const format = sniffFormat(head);
  if (!format) {
    if (looksLikeDamagedPng(head)) return { ok: false, format: 'png', reason: 'damaged PNG signature (line endings rewritten by a text-mode transfer?)' };
    // Described by size only: a reason is shown to whoever asked, and the file may be anyone's (never quote its bytes).
    return { ok: false, reason: `not a supported image (unknown signature, ${src.size} bytes)` };
  }
  let facts: HeaderFacts;
  try {
    facts = await walkHeaders(format, reader, maxPixels);
  } catch (e) {
    if (e instanceof MediaError) return { ok: false, format, reason: e.reason };
    if (e instanceof ReadBudgetExhausted) return { ok: false, format, reason: `${format} headers too long to check (${e.message})` };
    if (e instanceof RangeError) return { ok: false, format, reason: `corrupt ${format} header (${e.message})` };
    throw e;
  }
  if (facts.width * facts.height > maxPixels) return { ok: false, format, reason: pixelLimitReason(facts.width, facts.height, maxPixels) };
  return {
    ok: true,
    format,
    contentType: contentTypeOf(format),
    width: facts.width,
    height: facts.height,
    ...(facts.frames !== undefined ? { frames: facts.frames } : {}),
    ...(facts.orientation !== undefined ? { orientation: facts.orientation } : {}),
  };
}

function walkHeaders(format: ImageFormat, reader: ProbeReader, maxPixels: number): Promise<HeaderFacts> {
  switch (format) {
    case 'png':
      return probePng(reader);
    case 'jpeg':
      return probeJpeg(reader);
    case 'gif':
      return probeGif(reader, maxPixels);
    case 'bmp':
      return probeBmp(reader);
    case 'tiff':
      return probeTiff(reader);
    case 'webp':
      return probeWebp(reader);
  }
}
