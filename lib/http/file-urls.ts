// ThumbnailUrl and DownloadUrl of a file meta: expiring signed URLs (see auth.ts).
import type { FileMeta } from '../domain/file-meta.js';
import type { UrlSigner } from './auth.js';
import type { FileUrls } from './dto.js';

export const DEFAULT_THUMBNAIL_MODE = 'm_lfit,w_256,h_256';

export function signedFileUrls(signer: UrlSigner, thumbnailMode = DEFAULT_THUMBNAIL_MODE): FileUrls {
  const base = (m: FileMeta) => `/api/v1/datasets/${encodeURIComponent(m.datasetId)}/datasetfilemetas/${m.datasetFileMetaId}`;
  return {
    thumbnailUrl: (m) => signer.sign(`${base(m)}/thumbnail?ThumbnailMode=${encodeURIComponent(thumbnailMode)}`),
    downloadUrl: (m) => signer.sign(`${base(m)}/download`),
  };
}
