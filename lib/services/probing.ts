// Prober: FileMetaBuild for one batch. Reads each file's header (and with verify=decode its pixels),
// records format, size and dimensions or the reason it is unusable, and counts each file once. A file
// that is an image neither by name nor by content is SKIPPED: counted apart, never a failure. What says
// nothing about the bytes (the file gone for a moment, over the decode limit) fails it for this job only:
// recorded on the file, it would stick, since an Increment probes again only what changed.
import { isDomainError } from '../domain/errors.js';
import { paiFileTypeOf, unrecognisedVerdict, type ImageFormat } from '../domain/file-meta.js';
import { FileMetaBuildSpec, type BatchMessage, type FileOutcome } from '../domain/job.js';
import type { ByteSource } from '../media/byte-source.js';
import { decodeImage } from '../media/decode.js';
import { probeImage } from '../media/probe.js';
import { probeAttributes } from '../media/probe-result.js';
import type { ProbeUpdate } from '../ports/meta-store.js';
import type { ObjectStore } from '../ports/object-store.js';
import { deliverBatch, fileFailureOrThrow, type ConsumerResult } from './delivery-failures.js';
import { nowIso, type ServiceDeps } from './deps.js';
import { forEachLimit } from './parallel.js';
import type { JobService } from './jobs.js';

/** Files probed at once within one batch (I/O bound: reads overlap). */
const PROBE_PARALLELISM = 16;
/** The first read of a file; most headers (and most small images) fit in it. */
const HEAD_BYTES = 64 * 1024;

export interface BatchContext {
  /** How many times this batch has been delivered (1 the first time). */
  dequeueCount: number;
}

export class ProbingService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
  ) {}

  processBatch(msg: BatchMessage, ctx: BatchContext = { dequeueCount: 1 }): Promise<ConsumerResult> {
    return deliverBatch(this.jobs, msg, ctx.dequeueCount, 'probing', () => this.probeBatch(msg));
  }

  private async probeBatch(msg: BatchMessage): Promise<ConsumerResult> {
    const batch = await this.jobs.openBatch(msg);
    if (!batch) return { completed: 0, failed: 0, skipped: 0, notOpen: msg.items.length };
    const { job, items } = batch;
    const spec = FileMetaBuildSpec.parse(job.jobSpec);
    const updates: ProbeUpdate[] = [];
    const outcomes: FileOutcome[] = [];
    await forEachLimit(items, PROBE_PARALLELISM, async (item) => {
      // A cause no delivery cures (a forbidden path, an unreadable file) fails this file alone.
      const r = await this.probeOne(item, spec.verify).catch((e) => ({ update: [], outcome: fileFailureOrThrow(item.metaId, e) }));
      updates.push(...r.update);
      outcomes.push(r.outcome);
    });
    const now = nowIso(this.deps);
    await this.deps.store.applyProbeResults(updates, now);
    const counted = await this.jobs.closeBatch(job, items, outcomes);
    return { ...counted, notOpen: msg.items.length - items.length };
  }

  /** A batch that kept failing (dead-lettered): its open files are failed with the reason, not lost. */
  async failBatch(msg: BatchMessage, reason: string): Promise<void> {
    await this.jobs.failOpenItems(msg, reason);
  }

  private async probeOne(
    item: BatchMessage['items'][number],
    verify: 'header' | 'decode',
  ): Promise<{ update: ProbeUpdate[]; outcome: FileOutcome }> {
    const objects = this.deps.objects.forUri(item.uri);
    // A file whose bytes were not recognised has no FileFormat (''), never its extension; its FileType
    // (image, text, …) then comes from its name.
    const verdict = (status: 'FAILED' | 'SKIPPED', reason: string, format?: ImageFormat, contentType: string | null = null) => ({
      update: [
        {
          datasetFileMetaId: item.metaId,
          fileFingerPrint: item.fingerprint,
          status,
          fileType: paiFileTypeOf(format ?? '', item.uri),
          fileFormat: format ?? '',
          contentType,
          metaAttributes: {},
          failReason: reason,
          probeDepth: verify,
        },
      ],
      outcome: status === 'SKIPPED' ? { metaId: item.metaId, ok: true as const, skipped: true } : { metaId: item.metaId, ok: false as const, reason },
    });
    const fail = (reason: string, format?: ImageFormat, contentType: string | null = null) => verdict('FAILED', reason, format, contentType);
    /** Unrecognised bytes: a failure for an image by name, a skip for anything else (a dataset.jsonl). */
    const unrecognised = (reason: string) => {
      const v = unrecognisedVerdict(item.uri, reason);
      return verdict(v.status, v.reason);
    };
    /** Fails the file in this job and records nothing on it. */
    const failThisJob = (reason: string) => ({ update: [], outcome: { metaId: item.metaId, ok: false as const, reason } });
    let info;
    let head;
    try {
      // One request for the metadata and the first bytes, and only of the file this job listed.
      ({ info, data: head } = await objects.readHead(item.uri, HEAD_BYTES, { ifMatch: item.fingerprint }));
    } catch (e) {
      // Gone since the listing: the next listing marks it DELETED, or probes it again if it is back.
      if (isDomainError(e) && e.kind === 'NotFound') return failThisJob('file not found in storage (deleted after listing)');
      // Changed since the listing: this job's view of it is stale; the next Increment picks it up.
      if (isDomainError(e) && e.kind === 'Conflict') return failThisJob('file changed while the job ran; run an Increment job');
      throw e;
    }
    if (info.size === 0) return unrecognised('empty file (0 bytes)');
    const source = headCachedSource(objects, item.uri, info.size, head);
    const probed = await probeImage(source, this.deps.media);
    if (!probed.ok) return probed.format ? fail(probed.reason, probed.format) : unrecognised(probed.reason);
    const active = (depth: 'header' | 'decode'): ProbeUpdate => ({
      datasetFileMetaId: item.metaId,
      fileFingerPrint: item.fingerprint,
      status: 'ACTIVE',
      fileType: 'image',
      fileFormat: probed.format,
      contentType: probed.contentType,
      metaAttributes: probeAttributes(probed),
      failReason: null,
      probeDepth: depth,
    });
    if (verify === 'decode') {
      if (info.size > this.deps.media.maxBytes) {
        // A limit, not a judgement of the bytes: the header's facts stand (at header depth, so a decode
        // Increment tries again once the limit is raised) and the file fails in this job only.
        const reason = `file too large to decode: ${info.size} bytes > limit ${this.deps.media.maxBytes}`;
        return { update: [active('header')], outcome: { metaId: item.metaId, ok: false, reason } };
      }
      const bytes = await objects.read(item.uri);
      const decoded = await decodeImage(bytes, probed.format, this.deps.media);
      if (!decoded.ok) return fail(`decode failed: ${decoded.reason}`, probed.format, probed.contentType);
    }
    return { update: [active(verify)], outcome: { metaId: item.metaId, ok: true } };
  }
}

/** A ByteSource that serves reads inside the file's first bytes (already read) from memory. */
function headCachedSource(objects: ObjectStore, uri: string, size: number, h: Buffer): ByteSource {
  return {
    size,
    async read(offset: number, length: number): Promise<Buffer> {
      if (offset + length <= h.length || h.length === size) return h.subarray(offset, Math.min(offset + length, h.length));
      return objects.read(uri, { start: offset, end: Math.min(size, offset + length) });
    },
  };
}
