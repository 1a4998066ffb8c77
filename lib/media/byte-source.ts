// Random access to an object's bytes, so a probe reads small ranges instead of the whole file.

export interface ByteSource {
  /** Total size in bytes. */
  size: number;
  /** Up to `length` bytes from `offset`; fewer at end of file, empty past it. */
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferSource(buf: Buffer): ByteSource {
  return {
    size: buf.length,
    read: async (offset, length) => {
      if (offset < 0 || length < 0) throw new RangeError(`bad range ${offset}+${length}`);
      return buf.subarray(Math.min(offset, buf.length), Math.min(offset + length, buf.length));
    },
  };
}
