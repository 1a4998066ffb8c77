// TIFF structure (header, IFD entries, integer values): shared by the TIFF probe and EXIF blocks.
import { bufferSource } from './byte-source.js';
import { MediaError } from './media-error.js';
import { ProbeReader } from './probe-reader.js';

export interface TiffHeader {
  littleEndian: boolean;
  /** BigTIFF: 8-byte offsets and counts. */
  big: boolean;
  firstIfd: number;
}

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute offset of the value bytes (inside the entry when they fit there). */
  valueOffset: number;
}

export interface Ifd {
  entries: Map<number, IfdEntry>;
  /** Offset of the next IFD, 0 at the end of the chain. */
  next: number;
}

export const TAG = {
  imageWidth: 256,
  imageLength: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  orientation: 274,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfig: 284,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
} as const;

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
const INTEGER_TYPES = new Set([1, 3, 4, 6, 8, 9, 13, 16, 17, 18]);
/** IFDs with more entries than this are not images anyone wrote on purpose. */
const MAX_IFD_ENTRIES = 4096;

export function parseTiffHeader(b: Buffer): TiffHeader {
  if (b.length < 8) throw new MediaError('truncated: TIFF header is shorter than 8 bytes');
  const order = b.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') throw new MediaError(`bad TIFF byte order mark '${order}'`);
  const littleEndian = order === 'II';
  const magic = littleEndian ? b.readUInt16LE(2) : b.readUInt16BE(2);
  if (magic === 42) return { littleEndian, big: false, firstIfd: littleEndian ? b.readUInt32LE(4) : b.readUInt32BE(4) };
  if (magic !== 43) throw new MediaError(`bad TIFF magic number ${magic}`);
  if (b.length < 16) throw new MediaError('truncated: BigTIFF header is shorter than 16 bytes');
  const byteSize = littleEndian ? b.readUInt16LE(4) : b.readUInt16BE(4);
  if (byteSize !== 8) throw new MediaError(`BigTIFF offset size is ${byteSize}, not 8`);
  return { littleEndian, big: true, firstIfd: uint(b, 8, 8, littleEndian) };
}

/** Unsigned integer of 1, 2, 4 or 8 bytes; 8-byte values beyond 2^53 come out imprecise but huge. */
export function uint(b: Buffer, at: number, size: number, le: boolean): number {
  switch (size) {
    case 1:
      return b.readUInt8(at);
    case 2:
      return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
    case 4:
      return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    default:
      return Number(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  }
}

export async function readIfd(reader: ProbeReader, h: TiffHeader, offset: number): Promise<Ifd> {
  const countSize = h.big ? 8 : 2;
  const entrySize = h.big ? 20 : 12;
  const offsetSize = h.big ? 8 : 4;
  if (offset < (h.big ? 16 : 8) || offset + countSize > reader.size)
    throw new MediaError(`TIFF IFD offset ${offset} is outside the file (${reader.size} bytes)`);
  const count = uint(await reader.bytes(offset, countSize, 'TIFF IFD entry count'), 0, countSize, h.littleEndian);
  if (count === 0) throw new MediaError(`TIFF IFD at ${offset} has no entries`);
  if (count > MAX_IFD_ENTRIES) throw new MediaError(`TIFF IFD at ${offset} claims ${count} entries`);
  const body = await reader.bytes(offset + countSize, count * entrySize + offsetSize, `TIFF IFD at ${offset} (${count} entries)`);
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const tag = uint(body, at, 2, h.littleEndian);
    const type = uint(body, at + 2, 2, h.littleEndian);
    const n = uint(body, at + 4, offsetSize, h.littleEndian);
    const size = TYPE_SIZES[type];
    if (size === undefined) continue; // unknown types are skipped, as libtiff does
    const inline = n * size <= offsetSize;
    const valueOffset = inline ? offset + countSize + at + 4 + offsetSize : uint(body, at + 4 + offsetSize, offsetSize, h.littleEndian);
    if (!entries.has(tag)) entries.set(tag, { tag, type, count: n, valueOffset });
  }
  return { entries, next: uint(body, count * entrySize, offsetSize, h.littleEndian) };
}

/** Integer values of an entry, at most `max` of them; a value array outside the file is a MediaError. */
export async function readIntegers(reader: ProbeReader, h: TiffHeader, e: IfdEntry, name: string, max = 16_384): Promise<number[]> {
  if (!INTEGER_TYPES.has(e.type)) throw new MediaError(`TIFF tag ${name} has non-integer type ${e.type}`);
  const size = TYPE_SIZES[e.type]!;
  if (e.valueOffset + e.count * size > reader.size)
    throw new MediaError(`TIFF tag ${name}: ${e.count} values at ${e.valueOffset} run past the end of the file (${reader.size} bytes)`);
  const n = Math.min(e.count, max);
  const b = await reader.bytes(e.valueOffset, n * size, `TIFF tag ${name}`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(uint(b, i * size, size, h.littleEndian));
  return out;
}

export async function readInteger(reader: ProbeReader, h: TiffHeader, ifd: Ifd, tag: number, name: string): Promise<number | undefined> {
  const e = ifd.entries.get(tag);
  if (!e || e.count < 1) return undefined;
  return (await readIntegers(reader, h, { ...e, count: 1 }, name))[0];
}

/** EXIF Orientation (1..8) from a TIFF-structured block (JPEG APP1 after "Exif\0\0", PNG eXIf, WebP EXIF); undefined when absent or unreadable. */
export async function readExifOrientation(block: Buffer): Promise<number | undefined> {
  try {
    const reader = new ProbeReader(bufferSource(block), { maxReads: 4 });
    await reader.start();
    const h = parseTiffHeader(block);
    const ifd = await readIfd(reader, h, h.firstIfd);
    const v = await readInteger(reader, h, ifd, TAG.orientation, 'Orientation');
    return v !== undefined && v >= 1 && v <= 8 ? v : undefined;
  } catch {
    return undefined; // a broken EXIF block does not make the image unusable
  }
}
