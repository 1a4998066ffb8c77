// JPEG header probe: marker walk from SOI through the frame header (SOF) to the first scan (SOS).
import { MediaError } from './media-error.js';
import { ReadBudgetExhausted, type ProbeReader } from './probe-reader.js';
import type { HeaderFacts } from './probe-result.js';
import { readExifOrientation } from './tiff-ifd.js';

const MAX_SEGMENTS = 4096;
const EXIF_ID = Buffer.from('Exif\0\0', 'latin1');

/** SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
/** Markers without a length field. */
const isStandalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

export async function probeJpeg(reader: ProbeReader): Promise<HeaderFacts> {
  let frame: { width: number; height: number } | undefined;
  let orientation: number | undefined;
  const facts = (): HeaderFacts => ({ ...frame!, frames: 1, ...(orientation ? { orientation } : {}) });
  let pos = 2;
  try {
    for (let segments = 0; segments < MAX_SEGMENTS; segments++) {
      const head = await reader.upTo(pos, 4);
      if (head.length < 2) throw new MediaError(`truncated: JPEG ends at ${pos} before ${frame ? 'its first scan (SOS)' : 'a frame header (SOF)'}`);
      if (head[0] !== 0xff) throw new MediaError(`corrupt JPEG: expected a marker at ${pos}, found 0x${head[0]!.toString(16)}`);
      const marker = head[1]!;
      if (marker === 0xff) {
        pos++; // fill byte
        continue;
      }
      if (isStandalone(marker)) {
        pos += 2;
        continue;
      }
      if (marker === 0x00 || marker === 0xd8) throw new MediaError(`corrupt JPEG: unexpected marker 0xff${marker.toString(16).padStart(2, '0')} at ${pos}`);
      if (marker === 0xd9) throw new MediaError(`JPEG ends (EOI at ${pos}) before any image data`);
      if (head.length < 4) throw new MediaError(`truncated: JPEG ends inside the marker at ${pos}`);
      const length = head.readUInt16BE(2);
      if (length < 2) throw new MediaError(`corrupt JPEG: segment at ${pos} has length ${length}`);
      const name = `JPEG segment 0xff${marker.toString(16)} at ${pos}`;
      if (pos + 2 + length > reader.size)
        throw new MediaError(`truncated: ${name} needs ${length + 2} bytes, the file has ${reader.size - pos} left`);
      if (isSof(marker)) {
        const sof = await reader.bytes(pos + 4, Math.min(length - 2, 6), name);
        if (sof.length < 6) throw new MediaError(`corrupt JPEG: frame header at ${pos} is ${length} bytes`);
        const precision = sof[0]!;
        const height = sof.readUInt16BE(1);
        const width = sof.readUInt16BE(3);
        const components = sof[5]!;
        if (frame) throw new MediaError(`corrupt JPEG: second frame header at ${pos}`);
        if (width === 0 || height === 0) throw new MediaError(`JPEG frame header has invalid dimensions ${width}x${height}`);
        if (components < 1 || components > 4) throw new MediaError(`JPEG frame header has ${components} components`);
        if (length !== 8 + 3 * components) throw new MediaError(`corrupt JPEG: frame header length ${length} does not match ${components} components`);
        if (precision < 2 || precision > 16) throw new MediaError(`JPEG sample precision ${precision} is invalid`);
        frame = { width, height };
      } else if (marker === 0xe1 && length >= 8 + 8 && orientation === undefined) {
        const app1 = await reader.bytes(pos + 4, Math.min(length - 2, 64 * 1024), name);
        if (app1.subarray(0, 6).equals(EXIF_ID)) {
          orientation = await readExifOrientation(app1.subarray(6));
        }
      } else if (marker === 0xda) {
        if (!frame) throw new MediaError(`corrupt JPEG: scan (SOS) at ${pos} before any frame header (SOF)`);
        const components = (await reader.bytes(pos + 4, 1, name))[0]!;
        if (components < 1 || components > 4 || length !== 6 + 2 * components)
          throw new MediaError(`corrupt JPEG: scan header at ${pos} (length ${length}, ${components} components)`);
        if (pos + 2 + length >= reader.size) throw new MediaError(`truncated: JPEG ends right after its scan header at ${pos}`);
        return facts();
      }
      pos += 2 + length;
    }
    throw new MediaError(`corrupt JPEG: no scan (SOS) within the first ${MAX_SEGMENTS} segments`);
  } catch (e) {
    // Megabytes of metadata segments: past the frame header, the dimensions are known; accept.
    if (e instanceof ReadBudgetExhausted && frame) return facts();
    if (e instanceof ReadBudgetExhausted) throw new MediaError(`JPEG has no frame header (SOF) within the first ${pos} bytes`);
    throw e;
  }
}
