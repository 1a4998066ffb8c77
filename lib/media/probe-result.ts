// What a header probe reports, and what each format's walker hands back to it.
import type { ImageFormat, MetaAttributes } from '../domain/file-meta.js';

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

/** The MetaAttributes a successful probe records. */
export function probeAttributes(p: Extract<ProbeResult, { ok: true }>): MetaAttributes {
  const attrs: MetaAttributes = { ImageWidth: p.width, ImageHeight: p.height };
  if (p.frames !== undefined) attrs.ImageFrames = p.frames;
  if (p.orientation !== undefined) attrs.ExifOrientation = p.orientation;
  return attrs;
}

/** The header facts recorded in MetaAttributes (missing dimensions count as too large to pass as they are). */
export function factsOfAttributes(a: MetaAttributes): HeaderFacts {
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const frames = n(a.ImageFrames);
  const orientation = n(a.ExifOrientation);
  return {
    width: n(a.ImageWidth) ?? Number.MAX_SAFE_INTEGER,
    height: n(a.ImageHeight) ?? Number.MAX_SAFE_INTEGER,
    ...(frames !== undefined ? { frames } : {}),
    ...(orientation !== undefined ? { orientation } : {}),
  };
}
