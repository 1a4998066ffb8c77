// sniffFormat on crafted buffers: magic bytes decide, nothing else.
import { describe, expect, it } from 'vitest';
import { contentTypeOf, sniffFormat } from '../../lib/media/sniff.js';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('sniffFormat', () => {
  it.each([
    ['jpeg', bytes([0xff, 0xd8, 0xff, 0xe0], 'JFIF')],
    ['png', bytes([0x89], 'PNG\r\n\x1a\n', [0, 0, 0, 13])],
    ['gif', bytes('GIF87a', [1, 0, 1, 0])],
    ['gif', bytes('GIF89a')],
    ['bmp', bytes('BM', [0, 0, 0, 0])],
    ['tiff', bytes('II*\0', [8, 0, 0, 0])],
    ['tiff', bytes('MM\0*', [0, 0, 0, 8])],
    ['tiff', bytes('II+\0', [8, 0, 0, 0])], // BigTIFF
    ['tiff', bytes('MM\0+', [0, 8, 0, 0])],
    ['webp', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 ')],
  ] as const)('recognises %s', (format, head) => {
    expect(sniffFormat(head)).toBe(format);
  });

  it.each([
    ['an empty buffer', Buffer.alloc(0)],
    ['text', bytes('hello world')],
    ['a PNG signature damaged by CR/LF conversion', bytes([0x89], 'PNG\r\r\n\x1a\n')],
    ['a cut PNG signature', bytes([0x89], 'PNG')],
    ['two JPEG bytes', bytes([0xff, 0xd8])],
    ['GIF with an unknown version', bytes('GIF88a')],
    ['a RIFF that is not WebP', bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ')],
    ['TIFF with a wrong magic number', bytes('II', [44, 0], [8, 0, 0, 0])],
    ['mixed TIFF byte order', bytes('IM*\0')],
  ])('rejects %s', (_, head) => {
    expect(sniffFormat(head)).toBeUndefined();
  });

  it('maps formats to content types', () => {
    expect(contentTypeOf('jpeg')).toBe('image/jpeg');
    expect(contentTypeOf('png')).toBe('image/png');
    expect(contentTypeOf('gif')).toBe('image/gif');
    expect(contentTypeOf('bmp')).toBe('image/bmp');
    expect(contentTypeOf('tiff')).toBe('image/tiff');
    expect(contentTypeOf('webp')).toBe('image/webp');
  });
});
