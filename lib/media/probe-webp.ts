// WebP header probe: RIFF size, then VP8 / VP8L / VP8X (chunk walk to the image data) headers.
import { MediaError } from './media-error.js';
import { ReadBudgetExhausted, type ProbeReader } from './probe-reader.js';
import type { HeaderFacts } from './probe-result.js';
import { readExifOrientation } from './tiff-ifd.js';

const VP8X_ANIMATION = 0x02;
const VP8X_EXIF = 0x08;

export async function probeWebp(reader: ProbeReader): Promise<HeaderFacts> {
  const riff = await reader.bytes(0, 12, 'RIFF header');
  const riffSize = riff.readUInt32LE(4);
  if (riffSize < 12) throw new MediaError(`WebP RIFF size ${riffSize} is too small`);
  const end = 8 + riffSize;
  if (end > reader.size) throw new MediaError(`truncated: WebP RIFF size says ${end} bytes, the file has ${reader.size}`);

  const first = await chunkAt(reader, 12, end);
  if (first.name === 'VP8 ' || first.name === 'VP8L') {
    const dims = await imageDims(reader, first);
    return { ...dims, frames: 1 };
  }
  if (first.name !== 'VP8X') throw new MediaError(`WebP first chunk is '${first.name}', not VP8, VP8L or VP8X`);
  if (first.size < 10) throw new MediaError(`WebP VP8X chunk is ${first.size} bytes`);
  const x = await reader.bytes(first.data, 10, 'WebP VP8X chunk');
  const flags = x[0]!;
  const width = 1 + x.readUIntLE(4, 3);
  const height = 1 + x.readUIntLE(7, 3);
  if (width * height > 0xffffffff) throw new MediaError(`WebP canvas ${width}x${height} is too large`);
  const animated = (flags & VP8X_ANIMATION) !== 0;

  let pos = first.next;
  let image = false;
  let frames = 0;
  let orientation: number | undefined;
  let walked = true;
  try {
    while (pos < end) {
      // Past the image data only cached chunks are walked, unless an EXIF chunk is promised (one more read).
      if ((image || frames > 0) && !reader.has(pos, 8) && (animated || (flags & VP8X_EXIF) === 0 || orientation !== undefined)) {
        walked = false;
        break;
      }
      const c = await chunkAt(reader, pos, end);
      if (c.name === 'VP8 ' || c.name === 'VP8L') {
        if (!animated && !image) {
          const dims = await imageDims(reader, c);
          if (dims.width !== width || dims.height !== height)
            throw new MediaError(`WebP image is ${dims.width}x${dims.height} but its canvas is ${width}x${height}`);
        }
        image = true;
      } else if (c.name === 'ANMF') {
        if (c.size < 16) throw new MediaError(`WebP ANMF chunk at ${c.offset} is ${c.size} bytes`);
        if (frames === 0) {
          const f = await reader.bytes(c.data, 16, 'WebP ANMF header');
          const [fx, fy, fw, fh] = [2 * f.readUIntLE(0, 3), 2 * f.readUIntLE(3, 3), 1 + f.readUIntLE(6, 3), 1 + f.readUIntLE(9, 3)];
          if (fx + fw > width || fy + fh > height)
            throw new MediaError(`WebP first frame ${fw}x${fh} at (${fx},${fy}) lies outside its ${width}x${height} canvas`);
        }
        frames++;
      } else if (c.name === 'EXIF' && c.size <= 256 * 1024 && orientation === undefined) {
        orientation = await readExifOrientation(exifBody(await reader.bytes(c.data, c.size, 'WebP EXIF chunk')));
      }
      pos = c.next;
    }
  } catch (e) {
    if (!(e instanceof ReadBudgetExhausted)) throw e;
    walked = false;
  }
  if (walked && !image && frames === 0) throw new MediaError('WebP has no image data (no VP8, VP8L or ANMF chunk)');
  return {
    width,
    height,
    ...(animated ? (walked ? { frames } : {}) : { frames: 1 }),
    ...(orientation !== undefined ? { orientation } : {}),
  };
}

interface Chunk {
  name: string;
  offset: number;
  size: number;
  /** Offset of the payload. */
  data: number;
  /** Offset of the next chunk (payloads are padded to even sizes). */
  next: number;
}

async function chunkAt(reader: ProbeReader, offset: number, end: number): Promise<Chunk> {
  const h = await reader.bytes(offset, 8, `WebP chunk header at ${offset}`);
  const name = h.toString('latin1', 0, 4);
  if (!/^[\x20-\x7e]{4}$/.test(name)) throw new MediaError(`corrupt WebP chunk name at ${offset}`);
  const size = h.readUInt32LE(4);
  const data = offset + 8;
  if (data + size > end) throw new MediaError(`truncated: WebP chunk '${name}' at ${offset} needs ${size} bytes, ${end - data} are left`);
  return { name, offset, size, data, next: data + size + (size & 1) };
}

async function imageDims(reader: ProbeReader, c: Chunk): Promise<{ width: number; height: number }> {
  if (c.name === 'VP8 ') {
    if (c.size < 10) throw new MediaError(`WebP VP8 chunk is ${c.size} bytes`);
    const b = await reader.bytes(c.data, 10, 'WebP VP8 frame header');
    if (b[0]! & 1) throw new MediaError('WebP VP8 bitstream does not start with a key frame');
    if (b[3] !== 0x9d || b[4] !== 0x01 || b[5] !== 0x2a) throw new MediaError('WebP VP8 start code is missing');
    const partition = (b[0]! | (b[1]! << 8) | (b[2]! << 16)) >>> 5;
    if (partition > c.size - 10) throw new MediaError(`truncated: WebP VP8 first partition (${partition} bytes) is larger than its chunk`);
    const width = b.readUInt16LE(6) & 0x3fff;
    const height = b.readUInt16LE(8) & 0x3fff;
    if (width === 0 || height === 0) throw new MediaError(`WebP VP8 frame has invalid dimensions ${width}x${height}`);
    return { width, height };
  }
  if (c.size < 5) throw new MediaError(`WebP VP8L chunk is ${c.size} bytes`);
  const b = await reader.bytes(c.data, 5, 'WebP VP8L header');
  if (b[0] !== 0x2f) throw new MediaError('WebP VP8L signature byte is missing');
  const bits = b.readUInt32LE(1);
  if (bits >>> 29 !== 0) throw new MediaError(`WebP VP8L version ${bits >>> 29} is unknown`);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/** WebP EXIF payloads are a TIFF block; some writers keep JPEG's "Exif\0\0" prefix. */
function exifBody(b: Buffer): Buffer {
  return b.toString('latin1', 0, 6) === 'Exif\0\0' ? b.subarray(6) : b;
}
