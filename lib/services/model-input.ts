// Reads a file and turns it into what a model receives (downscaled; GIF first frame, TIFF first
// page, BMP decoded by us). A file that cannot be decoded is marked FAILED with the reason.
import { isDomainError } from '../domain/errors.js';
import { sniffFormat } from '../media/sniff.js';
import { MediaError, toModelInput } from '../media/thumbnail.js';
import { nowIso, type ServiceDeps } from './deps.js';

export type ModelInputResult = { ok: true; data: Buffer; mime: string } | { ok: false; reason: string };

export async function readModelInput(
  deps: ServiceDeps,
  item: { metaId: string; uri: string; fingerprint: string },
  longSide: number,
): Promise<ModelInputResult> {
  const objects = deps.objects.forUri(item.uri);
  let bytes: Buffer;
  try {
    const info = await objects.head(item.uri);
    if (info.etag !== item.fingerprint) return { ok: false, reason: 'file changed while the job ran; run an Increment job' };
    if (info.size > deps.media.maxBytes) return await unusable(deps, item.metaId, `file too large to decode: ${info.size} bytes > limit ${deps.media.maxBytes}`);
    bytes = await objects.read(item.uri);
  } catch (e) {
    if (isDomainError(e) && e.kind === 'NotFound') return await unusable(deps, item.metaId, 'file not found in storage (deleted after listing)');
    throw e;
  }
  const format = sniffFormat(bytes);
  if (!format) return await unusable(deps, item.metaId, bytes.length ? 'not a supported image (unknown signature)' : 'empty file (0 bytes)');
  try {
    return { ok: true, ...(await toModelInput(bytes, format, longSide, deps.media)) };
  } catch (e) {
    if (e instanceof MediaError) return await unusable(deps, item.metaId, `decode failed: ${e.reason}`);
    throw e;
  }
}

async function unusable(deps: ServiceDeps, metaId: string, reason: string): Promise<ModelInputResult> {
  await deps.store.markFileFailed(metaId, reason, nowIso(deps));
  return { ok: false, reason };
}
