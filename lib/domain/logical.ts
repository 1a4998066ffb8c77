// Logical datasets: versions that hold references to files of other datasets (made by exports),
// never copies. A reference keeps what training code needs without asking the source again.
import type { FileTags } from './file-meta.js';

export interface LogicalRef {
  datasetFileMetaId: string;
  sourceDatasetId: string;
  sourceVersionName: string;
  uri: string;
  fileName: string;
  fileFingerPrint: string;
  dataSize: number;
  metaAttributes: Record<string, unknown>;
  /** The tags when the version was made. */
  tags: FileTags;
  /** The search's score, when the export was a vector search. */
  score?: number;
}

/** How a version differs from a base version of the same logical dataset. */
export type LogicalChange = 'Added' | 'Removed' | 'Changed';
export const LOGICAL_CHANGES: readonly LogicalChange[] = ['Added', 'Removed', 'Changed'];
