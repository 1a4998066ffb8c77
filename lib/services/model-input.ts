// What a model receives for each file of a batch: the file is read once, probed from those bytes when
// it has not been probed at its current fingerprint, and sent as it is when it already suits the model
// (small JPEG/PNG/WebP, upright, one frame); otherwise downscaled (GIF first frame, TIFF first page,
// BMP decoded by us). A file whose bytes cannot be used is marked FAILED with the reason; one that is not
// an image by name nor by content is marked SKIPPED and counted apart (never sent to a model). A file gone
// for a moment or over the decode limit fails in this job only: that says nothing about its bytes, and
// recorded as FAILED it would stick (an Increment probes again only a file whose fingerprint changed).
import { isDomainError } from '../domain/errors.js';
import { ImageFormat, NOT_AN_IMAGE_REASON, paiFileTypeOf, unrecognisedVerdict, type FileMeta } from '../domain/file-meta.js';
import type { BatchMessage, FileOutcome } from '../domain/job.js';
import { bufferSource } from '../media/byte-source.js';
import type { ImageFacts } from '../media/model-input.js';
import { probeImage } from '../media/probe.js';
import { factsOfAttributes, probeAttributes } from '../media/probe-result.js';
import { MediaError, toModelInput } from '../media/thumbnail.js';
import type { ProbeUpdate } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';

export type ModelInputResult = { ok: true; data: Buffer; mime: string } | { ok: false; reason: string; skipped?: boolean };

/** The job outcome of a file the reader could not give a model: skipped (not an image) or failed. */
export function unusableOutcome(metaId: string, r: Extract<ModelInputResult, { ok: false }>): FileOutcome {
  return r.skipped ? { metaId, ok: true, skipped: true } : { metaId, ok: false, reason: r.reason };
}

type Item = BatchMessage['items'][number];

/** Reads the files of one batch for a model; `flush` records what probing and decoding found. */
export class ModelInputReader {
  private readonly probeUpdates: ProbeUpdate[] = [];
  private readonly failed: Array<{ metaId: string; reason: string }> = [];

  private constructor(
    private readonly deps: ServiceDeps,
    private readonly metas: Map<string, FileMeta>,
    private readonly longSide: number,
  ) {}

  static async open(deps: ServiceDeps, items: Item[], longSide: number): Promise<ModelInputReader> {
    const metas = await deps.store.getFileMetas(items.map((i) => i.metaId));
    return new ModelInputReader(deps, new Map(metas.map((m) => [m.datasetFileMetaId, m])), longSide);
  }

  /** What is on record about the file at this fingerprint when it is not to be read (FAILED, SKIPPED); no I/O. */
  recorded(item: Item): Extract<ModelInputResult, { ok: false }> | undefined {
    const probed = this.probedAt(item);
    if (probed?.status === 'FAILED') return { ok: false, reason: probed.failReason ?? 'unusable file' };
    if (probed?.status === 'SKIPPED') return { ok: false, skipped: true, reason: probed.failReason ?? NOT_AN_IMAGE_REASON };
    return undefined;
  }

  async read(item: Item): Promise<ModelInputResult> {
    const onRecord = this.recorded(item);
    if (onRecord) return onRecord;
    const probed = this.probedAt(item);
    const objects = this.deps.objects.forUri(item.uri);
    let bytes: Buffer;
    try {
      const { info, data } = await objects.get(item.uri, { maxBytes: this.deps.media.maxBytes });
      if (info.etag !== item.fingerprint) return { ok: false, reason: 'file changed while the job ran; run an Increment job' };
      if (!data) return { ok: false, reason: `file too large to decode: ${info.size} bytes > limit ${this.deps.media.maxBytes}` };
      if (data.length === 0) return probed ? this.unusable(item, probed, 'empty file (0 bytes)') : this.unrecognised(item, 'empty file (0 bytes)');
      bytes = data;
    } catch (e) {
      if (isDomainError(e) && e.kind === 'NotFound') return { ok: false, reason: 'file not found in storage (deleted after listing)' };
      throw e;
    }

    let format: ImageFormat;
    let facts: ImageFacts;
    if (probed) {
      const known = ImageFormat.safeParse(probed.fileFormat);
      if (!known.success) return this.unusable(item, probed, `not a supported image (${probed.fileFormat})`);
      format = known.data;
      facts = factsOfAttributes(probed.metaAttributes);
    } else {
      const p = await probeImage(bufferSource(bytes), this.deps.media);
      if (!p.ok) return p.format ? this.unusable(item, undefined, p.reason, p.format) : this.unrecognised(item, p.reason);
      format = p.format;
      facts = p;
      this.probeUpdates.push(
        probeUpdate(item, { status: 'ACTIVE', fileType: 'image', fileFormat: p.format, contentType: p.contentType, metaAttributes: probeAttributes(p), failReason: null }),
      );
    }
    try {
      return { ok: true, ...(await toModelInput(bytes, format, this.longSide, this.deps.media, facts)) };
    } catch (e) {
      if (!(e instanceof MediaError)) throw e;
      return this.unusable(item, probed, `decode failed: ${e.reason}`, format);
    }
  }

  /** Records probe results and files found unusable. Call before writing the model's results. */
  async flush(): Promise<void> {
    const now = nowIso(this.deps);
    if (this.probeUpdates.length) await this.deps.store.applyProbeResults(this.probeUpdates.splice(0), now);
    for (const f of this.failed.splice(0)) await this.deps.store.markFileFailed(f.metaId, f.reason, now);
  }

  private unusable(item: Item, probed: FileMeta | undefined, reason: string, format?: string): ModelInputResult {
    // A fresh probe's verdict and a later failure of a probed file are recorded the same way: FAILED with the reason.
    const pending = this.probeUpdates.find((u) => u.datasetFileMetaId === item.metaId);
    if (pending) Object.assign(pending, { status: 'FAILED', failReason: reason });
    else if (probed) this.failed.push({ metaId: item.metaId, reason });
    else {
      const fileType = paiFileTypeOf(format ?? '', item.uri);
      this.probeUpdates.push(probeUpdate(item, { status: 'FAILED', fileType, fileFormat: format ?? '', contentType: null, metaAttributes: {}, failReason: reason }));
    }
    return { ok: false, reason };
  }

  /** A fresh probe found no image format in the bytes: skipped when the name is no image's either, else failed. */
  private unrecognised(item: Item, reason: string): ModelInputResult {
    const v = unrecognisedVerdict(item.uri, reason);
    if (v.status === 'FAILED') return this.unusable(item, undefined, v.reason);
    this.probeUpdates.push(
      probeUpdate(item, { status: 'SKIPPED', fileType: paiFileTypeOf('', item.uri), fileFormat: '', contentType: null, metaAttributes: {}, failReason: v.reason }),
    );
    return { ok: false, skipped: true, reason: v.reason };
  }

  private probedAt(item: Item): FileMeta | undefined {
    const meta = this.metas.get(item.metaId);
    return meta?.probedFingerPrint === item.fingerprint ? meta : undefined;
  }
}

function probeUpdate(item: Item, r: Pick<ProbeUpdate, 'status' | 'fileType' | 'fileFormat' | 'contentType' | 'metaAttributes' | 'failReason'>): ProbeUpdate {
  return { datasetFileMetaId: item.metaId, fileFingerPrint: item.fingerprint, probeDepth: 'header', ...r };
}
