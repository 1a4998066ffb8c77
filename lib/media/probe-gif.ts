// GIF header probe: logical screen, then a block walk that must find one complete image frame.
import { pixelLimitReason } from './limits.js';
import { MediaError } from './media-error.js';
import { ReadBudgetExhausted, type ProbeReader } from './probe-reader.js';
import type { HeaderFacts } from './probe-result.js';

class StopWalk extends Error {}

export async function probeGif(reader: ProbeReader, maxPixels: number): Promise<HeaderFacts> {
  const screen = await reader.bytes(0, 13, 'GIF logical screen descriptor');
  const width = screen.readUInt16LE(6);
  const height = screen.readUInt16LE(8);
  if (width === 0 || height === 0) throw new MediaError(`GIF logical screen has invalid dimensions ${width}x${height}`);
  const packed = screen[10]!;
  let pos = 13 + (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);
  let frames = 0;

  // Before the first frame is complete, every byte must be there (reads are allowed);
  // after it, frames are only counted through data already in memory.
  const byteAt = async (at: number, what: string): Promise<number> => {
    if (frames > 0 && !reader.has(at, 1)) throw new StopWalk();
    return (await reader.bytes(at, 1, what))[0]!;
  };
  const skipSubBlocks = async (what: string): Promise<number> => {
    let dataBytes = 0;
    for (;;) {
      const n = await byteAt(pos, what);
      pos += 1 + n;
      if (n === 0) return dataBytes;
      dataBytes += n;
    }
  };

  try {
    for (;;) {
      if (frames > 0 && pos >= reader.size) return { width, height, frames }; // no trailer: tolerated
      const block = await byteAt(pos, frames === 0 ? 'GIF block before the first frame' : 'GIF block');
      if (block === 0x3b) {
        if (frames === 0) throw new MediaError('GIF has no image frame before its trailer');
        return { width, height, frames };
      }
      if (block === 0x21) {
        await byteAt(pos + 1, 'GIF extension label');
        pos += 2;
        await skipSubBlocks('GIF extension');
        continue;
      }
      if (block !== 0x2c) {
        if (frames === 0) throw new MediaError(`corrupt GIF: unknown block 0x${block.toString(16)} at ${pos}`);
        return { width, height, frames }; // decoders stop at garbage after a frame
      }
      const d = frames === 0 ? await reader.bytes(pos, 10, 'GIF image descriptor') : await cachedBytes(reader, pos, 10);
      const left = d.readUInt16LE(1);
      const top = d.readUInt16LE(3);
      const fw = d.readUInt16LE(5);
      const fh = d.readUInt16LE(7);
      if (frames === 0) {
        const canvasW = Math.max(width, left + fw);
        const canvasH = Math.max(height, top + fh);
        if (canvasW * canvasH > maxPixels)
          throw new MediaError(`GIF frame ${fw}x${fh} at (${left},${top}): ${pixelLimitReason(canvasW, canvasH, maxPixels)}`);
        if (fw === 0 || fh === 0) throw new MediaError(`GIF first frame has invalid dimensions ${fw}x${fh}`);
      }
      const fpacked = d[9]!;
      pos += 10 + (fpacked & 0x80 ? 3 << ((fpacked & 7) + 1) : 0);
      const codeSize = await byteAt(pos, 'GIF image data');
      if (codeSize < 1 || codeSize > 11) {
        if (frames === 0) throw new MediaError(`corrupt GIF: LZW minimum code size ${codeSize} in the first frame`);
        return { width, height, frames };
      }
      pos += 1;
      const dataBytes = await skipSubBlocks('GIF image data');
      if (frames === 0 && dataBytes === 0) throw new MediaError('GIF first frame has no image data');
      frames++;
    }
  } catch (e) {
    // The first frame is complete (a later one is cut or not in memory) or too long to walk
    // cheaply: the image is usable, its frame count unknown.
    if (e instanceof StopWalk || e instanceof ReadBudgetExhausted) return { width, height };
    if (e instanceof MediaError && frames > 0) return { width, height };
    throw e;
  }
}

async function cachedBytes(reader: ProbeReader, at: number, length: number): Promise<Buffer> {
  if (!reader.has(at, length)) throw new StopWalk();
  return reader.bytes(at, length, 'GIF image descriptor');
}
