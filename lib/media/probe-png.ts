// PNG header probe: IHDR (CRC, depth/colour combination), then a chunk walk to IDAT and IEND.
import { crc32 } from './crc32.js';
import { MediaError } from './media-error.js';
import { ReadBudgetExhausted, type ProbeReader } from './probe-reader.js';
import type { HeaderFacts } from './probe-result.js';
import { readExifOrientation } from './tiff-ifd.js';

/** Allowed bit depths per colour type (PNG spec, table 11.1). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const MAX_CHUNK = 0x7fffffff;
const IEND_HEAD = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44]);
const IEND_CRC = Buffer.from([0xae, 0x42, 0x60, 0x82]);

export async function probePng(reader: ProbeReader): Promise<HeaderFacts> {
  const ihdr = await reader.bytes(8, 25, 'PNG IHDR chunk');
  const type = ihdr.toString('latin1', 4, 8);
  if (type !== 'IHDR') throw new MediaError('first PNG chunk is not IHDR');
  if (ihdr.readUInt32BE(0) !== 13) throw new MediaError(`PNG IHDR length is ${ihdr.readUInt32BE(0)}, not 13`);
  const stored = ihdr.readUInt32BE(21);
  const computed = crc32(ihdr.subarray(4, 21));
  if (stored !== computed) throw new MediaError(`PNG IHDR CRC mismatch (stored ${hex(stored)}, computed ${hex(computed)})`);
  const width = ihdr.readUInt32BE(8);
  const height = ihdr.readUInt32BE(12);
  if (width === 0 || height === 0 || width > MAX_CHUNK || height > MAX_CHUNK)
    throw new MediaError(`PNG IHDR has invalid dimensions ${width}x${height}`);
  const [depth, colourType, compression, filter, interlace] = [ihdr[16]!, ihdr[17]!, ihdr[18]!, ihdr[19]!, ihdr[20]!];
  const depths = DEPTHS[colourType];
  if (!depths) throw new MediaError(`PNG colour type ${colourType} is invalid`);
  if (!depths.includes(depth)) throw new MediaError(`PNG bit depth ${depth} is invalid for colour type ${colourType}`);
  if (compression !== 0 || filter !== 0) throw new MediaError(`PNG compression/filter method ${compression}/${filter} is invalid`);
  if (interlace > 1) throw new MediaError(`PNG interlace method ${interlace} is invalid`);

  const facts: HeaderFacts = { width, height, frames: 1 };
  let pos = 33;
  let seenIdat = false;
  let seenPlte = false;
  let animationFrames: number | undefined;
  let defaultImageAnimated = false;
  const done = () => {
    // APNG: the IDAT image is one more picture unless an fcTL before it makes it frame 0.
    if (animationFrames) facts.frames = animationFrames + (defaultImageAnimated ? 0 : 1);
    return facts;
  };
  try {
    for (;;) {
      // Past the first IDAT, walk only what is already in memory: libpng writes 8 KiB IDATs, and
      // walking them all would read the whole file. The IEND check at the end covers truncation.
      if (seenIdat && !reader.has(pos, 8)) break;
      const head = await reader.upTo(pos, 8);
      if (head.length < 8) {
        // Cut inside a chunk header after complete IDAT chunks: see below.
        if (seenIdat && head.length > 0) return done();
        throw new MediaError(`truncated: PNG ends at ${pos} without an ${seenIdat ? 'IEND' : 'IDAT'} chunk`);
      }
      const length = head.readUInt32BE(0);
      const name = head.toString('latin1', 4, 8);
      if (!/^[A-Za-z]{4}$/.test(name)) throw new MediaError(`corrupt PNG chunk type at ${pos}`);
      if (length > MAX_CHUNK) throw new MediaError(`PNG chunk ${name} at ${pos} claims ${length} bytes`);
      if (name === 'IEND') {
        if (!seenIdat) throw new MediaError('PNG has no IDAT chunk before IEND (no pixel data)');
        return done(); // a file cut inside IEND still holds every pixel
      }
      if (pos + 12 + length > reader.size) {
        // Cut at a chunk boundary after complete IDAT chunks: the zlib stream may already be whole
        // (truncated_end_chunk.png), and only inflating it can tell; decoding decides. A chunk cut
        // inside its payload is missing data it promised.
        if (seenIdat && pos + 8 === reader.size) return done();
        throw new MediaError(`truncated: PNG chunk ${name} at ${pos} needs ${length + 12} bytes, the file has ${reader.size - pos} left`);
      }
      if (name === 'PLTE') seenPlte = true;
      else if (name === 'IDAT') {
        if (colourType === 3 && !seenPlte) throw new MediaError('PNG colour type 3 (palette) has no PLTE chunk before IDAT');
        seenIdat = true;
      } else if (name === 'acTL' && !seenIdat && length >= 8) {
        animationFrames = (await reader.bytes(pos + 8, 4, 'PNG acTL')).readUInt32BE(0);
      } else if (name === 'fcTL' && !seenIdat) {
        defaultImageAnimated = true;
      } else if (name === 'eXIf' && length >= 8 && length <= 256 * 1024) {
        const o = await readExifOrientation(await reader.bytes(pos + 8, length, 'PNG eXIf'));
        if (o !== undefined) facts.orientation = o;
      }
      pos += 12 + length;
    }
  } catch (e) {
    if (!(e instanceof ReadBudgetExhausted)) throw e;
  }
  // The rest is too long to walk cheaply: the file must at least end with IEND (or, as above,
  // with a bare IDAT chunk header).
  const tail = await reader.tail(4096);
  const at = tail.lastIndexOf(IEND_HEAD);
  if (at >= 0) {
    const crc = tail.subarray(at + 8, at + 12);
    if (!IEND_CRC.subarray(0, crc.length).equals(crc)) throw new MediaError('corrupt PNG IEND chunk');
    return done();
  }
  if (tail.length >= 8 && tail.toString('latin1', tail.length - 4) === 'IDAT') return done();
  throw new MediaError('truncated: no IEND chunk at the end of the PNG');
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
