// ThumbnailUrl and DownloadUrl of a file meta: absolute, expiring signed URLs (see auth.ts), like the
// OSS signed URLs PAI hands out. The base is LOUPE_PUBLIC_URL when configured (behind a proxy or a
// gateway), else the origin the request reached (its scheme and Host).
import type { Context } from 'hono';
import type { FileMeta } from '../domain/file-meta.js';
import type { UrlSigner } from './auth.js';
import type { FileUrls } from './dto.js';

export const DEFAULT_THUMBNAIL_MODE = 'm_lfit,w_256,h_256';

/**
 * The base the links start with, without a trailing slash: `publicUrl` (its path kept, e.g.
 * `https://gw.example.com/loupe`), else the request's own origin. The signature covers the path from
 * `/api/v1/…` on, so a proxy that strips a prefix still hands Loupe a URL it verifies.
 */
export function publicBaseOf(c: Context, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  return new URL(c.req.url).origin;
}

export function signedFileUrls(signer: UrlSigner, thumbnailMode = DEFAULT_THUMBNAIL_MODE, base = ''): FileUrls {
  const path = (m: FileMeta) => `/api/v1/datasets/${encodeURIComponent(m.datasetId)}/datasetfilemetas/${encodeURIComponent(m.datasetFileMetaId)}`;
  return {
    thumbnailUrl: (m) => base + signer.sign(`${path(m)}/thumbnail?ThumbnailMode=${encodeURIComponent(thumbnailMode)}`),
    downloadUrl: (m) => base + signer.sign(`${path(m)}/download`),
  };
}
