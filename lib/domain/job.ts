import { z } from 'zod';
import { freeText, lineText } from './text.js';

export const JobAction = z.enum(['FileMetaBuild', 'IntelligentTag', 'SemanticIndex', 'FileMetaExport']);
export type JobAction = z.infer<typeof JobAction>;
export const JobMode = z.enum(['Full', 'Increment']);
export type JobMode = z.infer<typeof JobMode>;
export const JobStatus = z.enum(['Pending', 'Running', 'Succeeded', 'PartialFailed', 'Failed', 'ManuallyStop']);
export type JobStatus = z.infer<typeof JobStatus>;
export const TERMINAL_STATUSES: readonly JobStatus[] = ['Succeeded', 'PartialFailed', 'Failed', 'ManuallyStop'];
export const isTerminal = (s: JobStatus) => TERMINAL_STATUSES.includes(s);

// A JobSpec's text is stored with the job and printed in its Logs (ids, model names, the folder), or
// becomes a version's Description: the same text rule as every name and description of the API.

/** JobSpec of FileMetaBuild. `verify: "decode"` decodes every image within the limits. */
export const FileMetaBuildSpec = z
  .object({
    verify: z.enum(['header', 'decode']).default('header'),
    /** Files per queue message. */
    batchSize: z.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type FileMetaBuildSpec = z.infer<typeof FileMetaBuildSpec>;

/** JobSpec of IntelligentTag. The model/definition fields are frozen at creation (version included). */
export const IntelligentTagSpec = z
  .object({
    /** Model calls in flight for the whole job, across every consumer instance. */
    concurrency: z.number().int().min(1).max(100).default(5),
    connectionId: lineText(128, 1),
    modelName: lineText(128, 1).default('qwen-vl-max'),
    tagDefinitionId: lineText(128, 1),
    tagDefinitionVersion: z.number().int().positive().optional(),
    /** Long side of the image sent to the model, in pixels. */
    imageLongSide: z.number().int().min(64).max(4096).default(1024),
    batchSize: z.number().int().min(1).max(1000).default(20),
  })
  .strict();
export type IntelligentTagSpec = z.infer<typeof IntelligentTagSpec>;

/** JobSpec of SemanticIndex. Unset connection/index fields come from the dataset's index config. */
export const SemanticIndexSpec = z
  .object({
    concurrency: z.number().int().min(1).max(100).default(5),
    embeddingConnectionId: lineText(128, 1).optional(),
    vectorConnectionId: lineText(128, 1).optional(),
    indexName: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and -').optional(),
    modelName: lineText(128, 1).optional(),
    /** Frozen at creation: the embedder that will produce the vectors. */
    embedderId: z.string().optional(),
    imageLongSide: z.number().int().min(64).max(4096).default(1024),
    /** Files per queue message; several embedder calls (of the model's batch size) each. */
    batchSize: z.number().int().min(1).max(1000).default(128),
  })
  .strict();
export type SemanticIndexSpec = z.infer<typeof SemanticIndexSpec>;

/** How an export writes a file target: a JSON-lines manifest, a CSV, or the GME fine-tune layout (seed §4.1). */
export const ExportFormat = z.enum(['manifest', 'csv', 'gme']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/**
 * JobSpec of FileMetaExport. `search` holds ListDatasetFileMetas' parameters under their wire names
 * (checked when the job is created); the target is a folder of an object store or a logical dataset.
 */
export const FileMetaExportSpec = z
  .object({
    search: z.record(z.string(), z.unknown()).default({}),
    target: z.enum(['file', 'logical']),
    format: ExportFormat.optional(),
    /** Target file: the folder (a URI ending with `/`) that receives the files. */
    uri: lineText(2048, 1).optional(),
    /** GME layout: copy the images into `images/` (default) or reference them by URI. */
    images: z.enum(['copy', 'reference']).optional(),
    /** Target logical: a dataset of Edition LOGICAL; the export makes its next version. */
    logicalDatasetId: lineText(64, 1).optional(),
    /** Target logical: the Description of the version it makes. */
    versionDescription: freeText(1024).optional(),
    /** Image copies in flight (GME layout with copies). */
    concurrency: z.number().int().min(1).max(64).default(8),
    /**
     * Target file: replace the previous Loupe export found in the folder (its `export.json`). Without
     * it an export writes only into an empty folder; with it, still only over files Loupe wrote.
     */
    overwrite: z.boolean().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const need = (ok: boolean, path: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
    if (s.target === 'file') {
      need(s.format !== undefined, 'format', "a file target needs a format: 'manifest', 'csv' or 'gme'");
      need(s.uri !== undefined, 'uri', 'a file target needs the folder URI to write into');
      need(s.logicalDatasetId === undefined, 'logicalDatasetId', 'only for target logical');
      need(s.images === undefined || s.format === 'gme', 'images', "only for format 'gme'");
    } else {
      need(s.logicalDatasetId !== undefined, 'logicalDatasetId', 'a logical target needs the logical dataset id');
      need(s.format === undefined && s.uri === undefined && s.images === undefined && s.overwrite === undefined, 'target', 'format, uri, images and overwrite are for target file');
    }
  });
export type FileMetaExportSpec = z.infer<typeof FileMetaExportSpec>;

/** What a finished job produced: an export's folder and files, or the logical version it made. */
export const JobOutput = z.object({
  uri: z.string().optional(),
  files: z.array(z.string()).optional(),
  datasetId: z.string().optional(),
  versionName: z.string().optional(),
  fileCount: z.number().int(),
});
export type JobOutput = z.infer<typeof JobOutput>;

export const DatasetJob = z.object({
  datasetJobId: z.string(),
  datasetId: z.string(),
  versionName: z.string(),
  jobAction: JobAction,
  jobMode: JobMode,
  jobSpec: z.record(z.string(), z.unknown()),
  description: z.string(),
  status: JobStatus,
  totalFileCount: z.number().int(),
  completedFileCount: z.number().int(),
  failedFileCount: z.number().int(),
  /** Files found not to be images (SKIPPED): counted apart, never a failure. */
  skippedFileCount: z.number().int(),
  /** Fan-out progress: the last listed key (OSS marker), and whether listing has finished. */
  fanoutCursor: z.string().nullable(),
  fanoutDone: z.boolean(),
  /** Files seen by the listing (enqueued or not: Increment skips unchanged ones). */
  listedFileCount: z.number().int(),
  deletedFileCount: z.number().int(),
  message: z.string().nullable(),
  /** Set when an export finishes. */
  output: JobOutput.optional(),
  createTime: z.string(),
  startTime: z.string().nullable(),
  finishTime: z.string().nullable(),
  updateTime: z.string(),
});
export type DatasetJob = z.infer<typeof DatasetJob>;

export const LogLevel = z.enum(['INFO', 'WARN', 'ERROR']);
export type LogLevel = z.infer<typeof LogLevel>;
export const JobLog = z.object({ time: z.string(), level: LogLevel, message: z.string() });
export type JobLog = z.infer<typeof JobLog>;

/** A queue message for a consumer: one batch of files of one job. */
export const BatchMessage = z.object({
  jobId: z.string(),
  action: JobAction,
  items: z.array(z.object({ metaId: z.string(), uri: z.string(), fingerprint: z.string() })).min(1),
});
export type BatchMessage = z.infer<typeof BatchMessage>;

/** A queue message for the fan-out: list (the rest of) this job's version. */
export const FanoutMessage = z.object({ jobId: z.string() });
export type FanoutMessage = z.infer<typeof FanoutMessage>;

/** A queue message for the exporter: run (or re-run) this export job. */
export const ExportMessage = z.object({ jobId: z.string() });
export type ExportMessage = z.infer<typeof ExportMessage>;

/** Outcome of one file in a consumer: done, skipped (not an image: counted apart, not a failure), or failed. */
export type FileOutcome = { metaId: string; ok: true; skipped?: boolean } | { metaId: string; ok: false; reason: string };

/** A job's file counters, as the store keeps them and a finished job's status follows from. */
export interface JobCounts {
  total: number;
  completed: number;
  failed: number;
  skipped: number;
}
