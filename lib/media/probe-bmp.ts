// BMP header probe: the headers, palette and masks are sane and the promised pixel bytes are in the file.
import { BMP_HEADER_SPAN, parseBmpHeader } from './bmp-header.js';
import type { ProbeReader } from './probe-reader.js';
import type { HeaderFacts } from './probe-result.js';

export async function probeBmp(reader: ProbeReader): Promise<HeaderFacts> {
  const head = await reader.upTo(0, BMP_HEADER_SPAN);
  const h = parseBmpHeader(head, reader.size);
  return { width: h.width, height: h.height, frames: 1 };
}
