// Writes N small, valid, distinct PNG files into a folder (for crash tests and benchmarks).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A width×height RGB PNG whose pixels depend on `seed`. */
export function tinyPng(seed: number, width = 16, height = 12): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = (seed * 37 + x * 11) & 0xff;
      raw[o + 1] = (seed * 101 + y * 13) & 0xff;
      raw[o + 2] = (seed >> 8) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Writes `count` PNGs as `<dir>/d<NN>/img_<i>.png` (100 folders), 64 writes in flight. */
export async function generatePngs(dir: string, count: number): Promise<void> {
  const folders = Math.min(100, Math.max(1, Math.ceil(count / 1000)));
  for (let f = 0; f < folders; f++) await mkdir(path.join(dir, `d${String(f).padStart(2, '0')}`), { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await writeFile(path.join(dir, `d${String(i % folders).padStart(2, '0')}`, `img_${String(i).padStart(7, '0')}.png`), tinyPng(i));
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}
