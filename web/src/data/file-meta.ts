// A file meta as the list and get answers carry it (PAI's wire names), and the two JSON-string fields
// read once: Tags (ai / user / removed-AI) and MetaAttributes (the size the justified rows need).

export interface FileMeta {
  DatasetFileMetaId: string;
  Uri: string;
  FileName: string;
  FileDir: string;
  DataSize: number;
  FileFingerPrint: string;
  FileUpdateTime: string;
  FileType: string | null;
  FileFormat: string | null;
  ContentType: string | null;
  MetaAttributes: string;
  Tags: string;
  Comment: string;
  Status: string;
  FailReason: string | null;
  Score?: number;
}

export interface Tags {
  ai: string[];
  user: string[];
  removed: string[];
  all: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function json(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text || '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function tagsOf(m: FileMeta): Tags {
  const o = json(m.Tags);
  const ai = strings(o.ai);
  const user = strings(o.user);
  const removed = strings(o['user-delete-ai-tags']);
  const all = o.all ? strings(o.all) : [...new Set([...ai, ...user])].filter((x) => !removed.includes(x) || user.includes(x));
  return { ai, user, removed, all };
}

export const attributesOf = (m: FileMeta) => json(m.MetaAttributes);

/** Width and height as shown (EXIF orientations 5–8 turn the image a quarter: thumbnails are auto-rotated). */
export function sizeOf(m: FileMeta): [number, number] | undefined {
  const a = attributesOf(m);
  const w = Number(a.ImageWidth);
  const h = Number(a.ImageHeight);
  if (!(w > 0 && h > 0)) return undefined;
  return Number(a.ExifOrientation) >= 5 ? [h, w] : [w, h];
}

/** Width / height for the justified rows, kept within reason so a panorama cannot take a whole row alone. */
export function aspectOf(m: FileMeta | undefined): number {
  const s = m && sizeOf(m);
  return s ? Math.min(4, Math.max(0.25, s[0] / s[1])) : 1;
}
