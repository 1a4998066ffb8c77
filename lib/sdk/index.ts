// The Loupe SDK: `import { LoupeClient, loadManifest } from 'loupe/sdk'` (or this file).
export { fileMetaOf, LoupeClient, queryString, type LoupeClientOptions, type WaitForJobOptions } from './client.js';
export { LoupeApiError, isLoupeApiError } from './errors.js';
export { paginate, type PaginateOptions } from './paginate.js';
export { isJobEnded, JobProgressTracker, RateMeter, type JobProgress } from './job-progress.js';
export { datasetItem, FingerprintMismatchError, type DatasetItem, type FileDownloader, type ReadOptions } from './dataset-item.js';
export { loadManifest, MANIFEST_FILE, PAI_MANIFEST_FILE, paiFilesOf, type LoadManifestOptions } from './manifest.js';
export type * from './types.js';
