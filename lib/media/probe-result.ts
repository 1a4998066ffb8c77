// What a header probe reports, and what each format's walker hands back to it.
import type { ImageFormat } from '../domain/file-meta.js';

export type ProbeResult =
  | { ok: true; format: ImageFormat; contentType: string; width: number; height: number; frames?: number; orientation?: number }
  | { ok: false; format?: ImageFormat; reason: string };

/** Facts a format walker established; dimensions are as stored (EXIF orientation not applied). */
export interface HeaderFacts {
  width: number;
  height: number;
  frames?: number;
  orientation?: number;
}
