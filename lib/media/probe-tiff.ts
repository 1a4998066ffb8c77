// TIFF / BigTIFF header probe: IFD0 dimensions, and strips or tiles that lie inside the file.
import { MediaError } from './media-error.js';
import { ReadBudgetExhausted, type ProbeReader } from './probe-reader.js';
import type { HeaderFacts } from './probe-result.js';
import { parseTiffHeader, readIfd, readInteger, readIntegers, TAG, type Ifd, type TiffHeader } from './tiff-ifd.js';

const MAX_PAGES = 10_000;

export async function probeTiff(reader: ProbeReader): Promise<HeaderFacts> {
  const h = parseTiffHeader(await reader.upTo(0, 16));
  const ifd0 = await readIfd(reader, h, h.firstIfd);
  const width = await readInteger(reader, h, ifd0, TAG.imageWidth, 'ImageWidth');
  const height = await readInteger(reader, h, ifd0, TAG.imageLength, 'ImageLength');
  if (width === undefined || height === undefined) throw new MediaError('TIFF first image has no ImageWidth/ImageLength');
  if (width === 0 || height === 0) throw new MediaError(`TIFF first image has invalid dimensions ${width}x${height}`);
  await checkPixelData(reader, h, ifd0, width, height);
  const orientation = await readInteger(reader, h, ifd0, TAG.orientation, 'Orientation');
  const frames = await countPages(reader, h, ifd0, h.firstIfd);
  return {
    width,
    height,
    ...(frames !== undefined ? { frames } : {}),
    ...(orientation !== undefined && orientation >= 1 && orientation <= 8 ? { orientation } : {}),
  };
}

async function checkPixelData(reader: ProbeReader, h: TiffHeader, ifd: Ifd, width: number, height: number): Promise<void> {
  const tiled = ifd.entries.has(TAG.tileOffsets);
  const kind = tiled ? 'tile' : 'strip';
  const offsetsEntry = ifd.entries.get(tiled ? TAG.tileOffsets : TAG.stripOffsets);
  const countsEntry = ifd.entries.get(tiled ? TAG.tileByteCounts : TAG.stripByteCounts);
  const offsetsName = tiled ? 'TileOffsets' : 'StripOffsets';
  const countsName = tiled ? 'TileByteCounts' : 'StripByteCounts';
  if (!offsetsEntry || offsetsEntry.count === 0) throw new MediaError(`TIFF first image has no ${offsetsName} (no pixel data)`);
  if (!countsEntry || countsEntry.count === 0) throw new MediaError(`TIFF first image has no ${countsName}`);
  if (countsEntry.count !== offsetsEntry.count)
    throw new MediaError(`TIFF first image has ${offsetsEntry.count} ${offsetsName} but ${countsEntry.count} ${countsName}`);

  const planes = (await readInteger(reader, h, ifd, TAG.planarConfig, 'PlanarConfiguration')) === 2
    ? ((await readInteger(reader, h, ifd, TAG.samplesPerPixel, 'SamplesPerPixel')) ?? 1)
    : 1;
  let expected: number;
  if (tiled) {
    const tw = await readInteger(reader, h, ifd, TAG.tileWidth, 'TileWidth');
    const tl = await readInteger(reader, h, ifd, TAG.tileLength, 'TileLength');
    if (!tw || !tl) throw new MediaError('TIFF tiled image has no TileWidth/TileLength');
    expected = Math.ceil(width / tw) * Math.ceil(height / tl) * planes;
  } else {
    const rows = (await readInteger(reader, h, ifd, TAG.rowsPerStrip, 'RowsPerStrip')) || height;
    expected = Math.ceil(height / Math.min(rows, height)) * planes;
  }
  if (offsetsEntry.count < expected)
    throw new MediaError(`TIFF first image has ${offsetsEntry.count} ${kind}s, its dimensions need ${expected}`);

  const offsets = await readIntegers(reader, h, offsetsEntry, offsetsName);
  const counts = await readIntegers(reader, h, countsEntry, countsName);
  for (let i = 0; i < offsets.length; i++) {
    const [at, n] = [offsets[i]!, counts[i]!];
    if (n > 0 && at + n > reader.size)
      throw new MediaError(`truncated: TIFF ${kind} ${i} needs ${n} bytes at ${at}, the file has ${reader.size} bytes`);
  }
}

/** Pages in the IFD chain, or undefined when the chain is too long to walk cheaply or broken past page 1. */
async function countPages(reader: ProbeReader, h: TiffHeader, ifd0: Ifd, first: number): Promise<number | undefined> {
  const seen = new Set([first]);
  let pages = 1;
  let next = ifd0.next;
  try {
    while (next !== 0) {
      if (seen.has(next) || pages >= MAX_PAGES) return undefined;
      seen.add(next);
      next = (await readIfd(reader, h, next)).next;
      pages++;
    }
    return pages;
  } catch (e) {
    if (e instanceof ReadBudgetExhausted || e instanceof MediaError) return undefined;
    throw e;
  }
}
