import { z } from 'zod';
import { invalid } from './errors.js';
import { SelectionSpec, type Selection } from './selection.js';
import { freeText, lineText } from './text.js';
import { WorkspaceId } from './workspace.js';

/** PAI's JobActions. */
export const JobAction = z.enum(['FileMetaBuild', 'IntelligentTag', 'SemanticIndex', 'FileMetaExport', 'IntelligentTagRevert', 'FileMetaImport']);
export type JobAction = z.infer<typeof JobAction>;
export const JobMode = z.enum(['Full', 'Increment']);
export type JobMode = z.infer<typeof JobMode>;
export const JobStatus = z.enum(['Pending', 'Running', 'Succeeded', 'PartialFailed', 'Failed', 'ManuallyStop']);
export type JobStatus = z.infer<typeof JobStatus>;
/**
 * What ListDatasetJobs' Status filter takes: every PAI status. Loupe's jobs are never Starting,
 * Deleting or Deleted (a job is created Pending, and a deleted job is gone), so those match none.
 */
export const JobStatusFilter = z.enum([...JobStatus.options, 'Starting', 'Deleting', 'Deleted']);
export type JobStatusFilter = z.infer<typeof JobStatusFilter>;
export const TERMINAL_STATUSES: readonly JobStatus[] = ['Succeeded', 'PartialFailed', 'Failed', 'ManuallyStop'];
export const isTerminal = (s: JobStatus) => TERMINAL_STATUSES.includes(s);

/** ListDatasetJobs' SortBy (PAI's values); default CreateTime, DESC. */
export const JobSortBy = z.enum(['CreateTime', 'FinishTime', 'Status', 'JobAction']);
export type JobSortBy = z.infer<typeof JobSortBy>;

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

/**
 * JobSpec of IntelligentTag, under PAI's keys: the tagging connection, the model's name at it and the
 * Prompt (a Loupe tag definition: same id). Frozen at creation, the definition's version included.
 */
export const IntelligentTagSpec = z
  .object({
    intelligentTagConnectionId: lineText(128, 1),
    /** The model's name at the connection (PAI: modelId). */
    modelId: lineText(128, 1).default('qwen-vl-max'),
    /** A PAI Prompt is a Loupe tag definition: the id of either. */
    promptId: lineText(128, 1),
    /** Loupe: the definition's version when the job was created. */
    tagDefinitionVersion: z.number().int().positive().optional(),
    /** Model calls in flight for the whole job, across every consumer instance. */
    concurrency: z.number().int().min(1).max(100).default(5),
    /** Long side of the image sent to the model, in pixels. */
    imageLongSide: z.number().int().min(64).max(4096).default(1024),
    batchSize: z.number().int().min(1).max(1000).default(20),
  })
  .strict();
export type IntelligentTagSpec = z.infer<typeof IntelligentTagSpec>;

/** What a SemanticIndex embeds (PAI's contentList): Loupe embeds the file, the image, only. */
export const SEMANTIC_INDEX_CONTENTS: readonly string[] = ['file'];

/**
 * JobSpec of SemanticIndex, under PAI's keys. Unset connection/table fields come from the dataset's
 * MultimodalSemanticIndex job config, then from its index config (JobSpecs.resolve).
 */
export const SemanticIndexSpec = z
  .object({
    /** PAI's official model id and version: recorded; Loupe embeds through the embedding connection. */
    modelId: lineText(128, 1).optional(),
    modelVersion: lineText(64, 1).optional(),
    contentList: z
      .array(z.string().max(64))
      .min(1)
      .max(8)
      .default(['file'])
      .superRefine((list, ctx) => {
        for (const c of list) {
          if (!SEMANTIC_INDEX_CONTENTS.includes(c)) {
            ctx.addIssue({ code: 'custom', message: `'${c}' cannot be indexed: Loupe embeds the file's image only (contentList ["file"])` });
          }
        }
      }),
    embeddingConnectionId: lineText(128, 1).optional(),
    /** The model's name at the embedding connection; "default" (PAI's example) means the connection's own. */
    embeddingModel: lineText(128, 1).optional(),
    /** The vector-store connection. */
    databaseConnectionId: lineText(128, 1).optional(),
    /** The index in the vector store. */
    databaseTableName: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and - (at most 64)').optional(),
    /** PAI's JSON string {shards, similarity, indexType, indexOptions{m, efConstruction}}, checked against the store. */
    vectorIndexConfig: z.string().max(2048).optional(),
    concurrency: z.number().int().min(1).max(100).default(5),
    /** Frozen at creation: the embedder that will produce the vectors. */
    embedderId: z.string().optional(),
    imageLongSide: z.number().int().min(64).max(4096).default(1024),
    /** Files per queue message; several embedder calls (of the model's batch size) each. */
    batchSize: z.number().int().min(1).max(1000).default(128),
  })
  .strict();
export type SemanticIndexSpec = z.infer<typeof SemanticIndexSpec>;

/** PAI's vectorIndexConfig (a JSON string, or an object). What the store cannot honour: JobSpecs. */
export const VectorIndexConfig = z
  .object({
    shards: z.number().int().min(1).max(1024).optional(),
    similarity: z.string().max(32).optional(),
    indexType: z.string().max(32).optional(),
    indexOptions: z
      .object({ m: z.number().int().min(2).max(128).optional(), efConstruction: z.number().int().min(1).max(4096).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type VectorIndexConfig = z.infer<typeof VectorIndexConfig>;

/** JobSpec of IntelligentTagRevert: removes the AI tags an IntelligentTag job wrote. */
export const IntelligentTagRevertSpec = z.object({ intelligentTagJobId: lineText(64, 1) }).strict();
export type IntelligentTagRevertSpec = z.infer<typeof IntelligentTagRevertSpec>;

/**
 * Loupe's earlier JobSpec keys, still accepted in requests (the README's alias table), stored and
 * returned under PAI's key. Both spellings of one key in one spec are a 400. (`modeId` is how PAI's
 * own IntelligentTag table spells modelId.)
 */
export const JOB_SPEC_ALIASES: Partial<Record<JobAction, Record<string, string>>> = {
  IntelligentTag: { connectionId: 'intelligentTagConnectionId', modelName: 'modelId', modeId: 'modelId', tagDefinitionId: 'promptId' },
  SemanticIndex: { modelName: 'embeddingModel', vectorConnectionId: 'databaseConnectionId', indexName: 'databaseTableName' },
};

/** `raw` with every alias moved to its PAI key; a 400 naming both when one key is given twice. */
export function withPaiSpecKeys(action: JobAction, raw: Record<string, unknown>): Record<string, unknown> {
  const aliases = JOB_SPEC_ALIASES[action];
  if (!aliases) return raw;
  const out: Record<string, unknown> = { ...raw };
  for (const [alias, key] of Object.entries(aliases)) {
    if (!(alias in raw)) continue;
    const twice = key in raw ? key : Object.keys(aliases).find((a) => a !== alias && aliases[a] === key && a in raw);
    if (twice) throw invalid(`JobSpec: '${alias}' and '${twice}' both give ${key}: give it once`, `JobSpec.${alias}`);
    out[key] = raw[alias];
    delete out[alias];
  }
  return out;
}

/**
 * How an export writes a file target: PAI's layout (the default: a `{datasetId}-{version}-{time}/`
 * folder with `pai_dataset_filemeta_manifest.yaml` and JSON lines of PAI's file metas), a JSON-lines
 * manifest, a CSV, or the GME fine-tune layout (seed §4.1).
 */
export const ExportFormat = z.enum(['pai', 'manifest', 'csv', 'gme']);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** What PAI's `filteredAttributes` may name: the attributes a line of PAI's layout holds. */
export const PAI_EXPORT_ATTRIBUTES = [
  'Uri',
  'DatasetFileMetaId',
  'FileName',
  'DataSize',
  'FileType',
  'ContentType',
  'Comment',
  'MetaAttributes',
  'FileFingerPrint',
  'FileCreateTime',
  'FileUpdateTime',
  'Tags',
] as const;
export type PaiExportAttribute = (typeof PAI_EXPORT_ATTRIBUTES)[number];
/** The groups of `Tags` (`Tags.ai`, …); `Tags` or `Tags.*` is all of them. */
export const PAI_TAG_GROUPS = ['ai', 'user', 'user-delete-ai-tags'] as const;
export type PaiTagGroup = (typeof PAI_TAG_GROUPS)[number];

/**
 * JobSpec of FileMetaExport, PAI's (`{query, exportDirUri, filteredAttributes}`) with Loupe's own keys.
 * `query` holds ListDatasetFileMetas' parameters under their wire names (checked when the job is
 * created); `search` and `uri` are Loupe's older spellings of `query` and `exportDirUri` (one spelling
 * per key). The target is a folder of an object store (PAI's layout unless `format` says otherwise) or
 * a logical dataset. The stored spec keeps the spelling it was given: read it with exportPlanOf.
 */
export const FileMetaExportSpec = z
  .object({
    query: z.record(z.string(), z.unknown()).optional(),
    /** Alias of `query`. */
    search: z.record(z.string(), z.unknown()).optional(),
    /**
     * The console's selection among the query's results (domain/selection.ts), resolved when the export
     * runs: only the files it selects are exported, in the query's order.
     */
    selection: SelectionSpec.optional(),
    /** Target file: the folder (a URI ending with `/`) that receives the export (PAI's layout: its new folder). */
    exportDirUri: lineText(2048, 1).optional(),
    /** Alias of `exportDirUri`. */
    uri: lineText(2048, 1).optional(),
    /**
     * PAI's layout: the folder the export writes (exportDirUri + `{datasetId}-{version}-{time}/`), chosen
     * by Loupe when the job is created (never given) and shown in the JobSpec it returns.
     */
    outputDirUri: lineText(4096, 1).optional(),
    /**
     * PAI's layout: the attributes each line keeps, a comma list (or an array) of PAI_EXPORT_ATTRIBUTES,
     * `Tags.<group>` or `Tags.*`; all of them when absent.
     */
    filteredAttributes: z.union([lineText(1024), z.array(lineText(64, 1)).max(64)]).optional(),
    /** `file` unless a logical dataset is named. */
    target: z.enum(['file', 'logical']).optional(),
    format: ExportFormat.optional(),
    /** GME layout: copy the images into `images/` (default) or reference them by URI. */
    images: z.enum(['copy', 'reference']).optional(),
    /** Target logical: a dataset of Edition LOGICAL; the export makes its next version. */
    logicalDatasetId: lineText(64, 1).optional(),
    /** Target logical: the Description of the version it makes. */
    versionDescription: freeText(1024).optional(),
    /** Image copies in flight (GME layout with copies); 8 when absent. */
    concurrency: z.number().int().min(1).max(64).optional(),
    /**
     * Target file in Loupe's formats: replace the previous Loupe export found in the folder (its
     * `export.json`). Without it an export writes only into an empty folder; with it, still only over
     * files Loupe wrote. (PAI's layout makes a new folder each time: nothing to replace.)
     */
    overwrite: z.boolean().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const need = (ok: boolean, path: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
    need(s.query === undefined || s.search === undefined, 'search', 'give query or search (its older spelling), not both');
    need(s.exportDirUri === undefined || s.uri === undefined, 'uri', 'give exportDirUri or uri (its older spelling), not both');
    const dirKey = s.uri !== undefined ? 'uri' : 'exportDirUri';
    const logical = s.target === 'logical' || (s.target === undefined && s.logicalDatasetId !== undefined);
    if (!logical) {
      const format = s.format ?? 'pai';
      need(s.exportDirUri !== undefined || s.uri !== undefined, dirKey, 'a file target needs the folder URI to write into');
      need(s.logicalDatasetId === undefined, 'logicalDatasetId', 'only for target logical');
      need(s.versionDescription === undefined, 'versionDescription', 'only for target logical');
      need(s.images === undefined || format === 'gme', 'images', "only for format 'gme'");
      need(s.filteredAttributes === undefined || format === 'pai', 'filteredAttributes', "only for PAI's layout (no format, or format 'pai')");
      need(s.overwrite === undefined || format !== 'pai', 'overwrite', "PAI's layout writes a new folder each time: nothing to overwrite");
      need(s.outputDirUri === undefined || format === 'pai', 'outputDirUri', "only for PAI's layout");
      if (s.filteredAttributes !== undefined && format === 'pai') {
        try {
          paiAttributesOf(s.filteredAttributes);
        } catch (e) {
          ctx.addIssue({ code: 'custom', path: ['filteredAttributes'], message: (e as Error).message });
        }
      }
    } else {
      need(s.logicalDatasetId !== undefined, 'logicalDatasetId', 'a logical target needs the logical dataset id');
      need(
        s.format === undefined && s.uri === undefined && s.exportDirUri === undefined && s.images === undefined && s.overwrite === undefined,
        'target',
        'format, exportDirUri (uri), images and overwrite are for target file',
      );
      need(s.filteredAttributes === undefined, 'filteredAttributes', "only for PAI's layout (a file target)");
      need(s.outputDirUri === undefined, 'outputDirUri', "only for PAI's layout (a file target)");
    }
  });
export type FileMetaExportSpec = z.infer<typeof FileMetaExportSpec>;

/** An export's spec as the exporter reads it: one spelling per key, defaults applied. */
export interface ExportPlan {
  target: 'file' | 'logical';
  /** Target file only. */
  format?: ExportFormat;
  /** The search, under ListDatasetFileMetas' wire names. */
  search: Record<string, unknown>;
  /** Only these of the search's results (the console's selection). */
  selection?: Selection;
  /** The JobSpec key the search was given under (`query` or `search`), and the folder's (`exportDirUri` or `uri`). */
  searchKey: 'query' | 'search';
  dirKey: 'exportDirUri' | 'uri';
  /** Target file: the folder given (ending with `/` once resolved). PAI's layout writes a new folder inside it. */
  dir?: string;
  /** PAI's layout: that new folder, once chosen (when the job is created). */
  outputDir?: string;
  /** PAI's layout: what each line keeps; undefined: every attribute. */
  attributes?: PaiAttributes;
  images?: 'copy' | 'reference';
  overwrite: boolean;
  concurrency: number;
  logicalDatasetId?: string;
  versionDescription?: string;
}

/** The attributes a PAI line keeps: whole attributes, and which tag groups of Tags. */
export interface PaiAttributes {
  keep: PaiExportAttribute[];
  tagGroups: PaiTagGroup[];
}

export function exportPlanOf(s: FileMetaExportSpec): ExportPlan {
  const target = s.target ?? (s.logicalDatasetId !== undefined ? 'logical' : 'file');
  const format = target === 'file' ? (s.format ?? 'pai') : undefined;
  return {
    target,
    ...(format ? { format } : {}),
    search: s.query ?? s.search ?? {},
    searchKey: s.search !== undefined ? 'search' : 'query',
    ...(s.selection ? { selection: s.selection } : {}),
    dirKey: s.uri !== undefined ? 'uri' : 'exportDirUri',
    ...((s.exportDirUri ?? s.uri) !== undefined ? { dir: s.exportDirUri ?? s.uri } : {}),
    ...(format === 'pai' && s.outputDirUri !== undefined ? { outputDir: s.outputDirUri } : {}),
    ...(format === 'pai' && s.filteredAttributes !== undefined ? { attributes: paiAttributesOf(s.filteredAttributes) } : {}),
    ...(format === 'gme' ? { images: s.images ?? 'copy' } : {}),
    overwrite: s.overwrite === true,
    concurrency: s.concurrency ?? 8,
    ...(s.logicalDatasetId !== undefined ? { logicalDatasetId: s.logicalDatasetId } : {}),
    ...(s.versionDescription !== undefined ? { versionDescription: s.versionDescription } : {}),
  };
}

/**
 * PAI's `filteredAttributes` (the attributes to keep: `Uri,FileName,Tags.ai`) → what a line keeps, in
 * PAI_EXPORT_ATTRIBUTES' order. An unknown name, or an empty list, throws a message for
 * `JobSpec.filteredAttributes`.
 */
export function paiAttributesOf(value: string | string[]): PaiAttributes {
  const names = (typeof value === 'string' ? value.split(',') : value).map((n) => n.trim()).filter(Boolean);
  if (!names.length) throw new Error('name at least one attribute, or leave filteredAttributes out to keep them all');
  const keep = new Set<PaiExportAttribute>();
  const groups = new Set<PaiTagGroup>();
  for (const name of names) {
    if (name === 'Tags' || name === 'Tags.*') {
      for (const g of PAI_TAG_GROUPS) groups.add(g);
    } else if (name.startsWith('Tags.')) {
      const group = PAI_TAG_GROUPS.find((g) => `Tags.${g}` === name);
      if (!group) throw new Error(`unknown tag group '${name}' (Tags.*, ${PAI_TAG_GROUPS.map((g) => `Tags.${g}`).join(', ')})`);
      groups.add(group);
    } else {
      const attribute = PAI_EXPORT_ATTRIBUTES.find((a) => a === name);
      if (!attribute) throw new Error(`unknown attribute '${name}' (${PAI_EXPORT_ATTRIBUTES.join(', ')}, Tags.*, Tags.<group>)`);
      keep.add(attribute);
    }
  }
  if (groups.size) keep.add('Tags');
  return { keep: PAI_EXPORT_ATTRIBUTES.filter((a) => keep.has(a)), tagGroups: PAI_TAG_GROUPS.filter((g) => groups.has(g)) };
}

/** FileMetaImport's importMode: `append` adds and updates metas; `replace` also deletes (logically) those the import lacks. */
export const FileMetaImportMode = z.enum(['append', 'replace']);
export type FileMetaImportMode = z.infer<typeof FileMetaImportMode>;

/**
 * JobSpec of FileMetaImport (PAI's keys): file metas from an export in PAI's layout (`manifestUri`: its
 * folder, its `pai_dataset_filemeta_manifest.yaml`, or one `.jsonl` file of its lines), or from another
 * dataset (`srcDatasetId`, `srcDatasetVersion` — its latest when absent, fixed when the job is created —,
 * `srcWorkspaceId`, and `query`: ListDatasetFileMetas' parameters under their wire names, as
 * FileMetaExport's). `filteredAttributes` names what is taken from each line (FileMetaExport's names;
 * every importable one when absent). Checked further when the job is created (lib/services/file-meta-import.ts).
 */
export const FileMetaImportSpec = z
  .object({
    manifestUri: lineText(4096, 1).optional(),
    srcDatasetId: lineText(64, 1).optional(),
    srcDatasetVersion: z.string().regex(/^v[1-9][0-9]{0,5}$/, 'a version name is v1, v2, …').optional(),
    srcWorkspaceId: WorkspaceId.optional(),
    query: z.record(z.string(), z.unknown()).optional(),
    filteredAttributes: z.union([lineText(1024), z.array(lineText(64, 1)).max(64)]).optional(),
    importMode: FileMetaImportMode.default('append'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const need = (ok: boolean, path: string, message: string) => ok || ctx.addIssue({ code: 'custom', path: [path], message });
    need(
      (s.manifestUri === undefined) !== (s.srcDatasetId === undefined),
      'manifestUri',
      s.manifestUri === undefined
        ? 'give manifestUri (an export in PAI\'s layout) or srcDatasetId (another dataset) to import from'
        : 'give manifestUri or srcDatasetId, not both',
    );
    if (s.srcDatasetId === undefined) {
      for (const key of ['srcDatasetVersion', 'srcWorkspaceId', 'query'] as const) need(s[key] === undefined, key, 'only with srcDatasetId (an import from another dataset)');
    }
    if (s.filteredAttributes !== undefined) {
      try {
        importAttributesOf(s.filteredAttributes);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['filteredAttributes'], message: (e as Error).message });
      }
    }
  });
export type FileMetaImportSpec = z.infer<typeof FileMetaImportSpec>;

/** The tag groups an import takes: people's. AI tags belong to the IntelligentTag job that wrote them. */
export const IMPORTED_TAG_GROUPS: readonly PaiTagGroup[] = ['user', 'user-delete-ai-tags'];

/**
 * What an import takes from each line: FileMetaExport's attribute names (`Uri` is always read; the
 * DatasetFileMetaId is the target's own), people's tag groups only. Absent: everything importable.
 * `Tags.ai` throws a message for `JobSpec.filteredAttributes`.
 */
export function importAttributesOf(value?: string | string[]): PaiAttributes {
  if (value === undefined) return { keep: [...PAI_EXPORT_ATTRIBUTES], tagGroups: [...IMPORTED_TAG_GROUPS] };
  const names = (typeof value === 'string' ? value.split(',') : value).map((n) => n.trim()).filter(Boolean);
  if (names.includes('Tags.ai')) {
    throw new Error(
      "Tags.ai cannot be imported: AI tags belong to the IntelligentTag job that wrote them (run one on the version); an import takes people's tags (Tags.user, Tags.user-delete-ai-tags)",
    );
  }
  const a = paiAttributesOf(names);
  const tagGroups = a.tagGroups.filter((g) => IMPORTED_TAG_GROUPS.includes(g));
  return { keep: tagGroups.length ? a.keep : a.keep.filter((k) => k !== 'Tags'), tagGroups };
}

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
  /** The dataset's workspace ('' when none): a job lives where its dataset does. */
  workspaceId: z.string(),
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

/** A job log line as PAI's `Logs` carry them (strings): `<ISO time> <LEVEL> <message>`. */
export const formatJobLogLine = (l: JobLog): string => `${l.time} ${l.level} ${l.message}`;

/** A `Logs` line back into its parts (the SDK's typed view); a line of another shape is all message. */
export function parseJobLogLine(line: string): JobLog {
  const m = /^(\S+) (INFO|WARN|ERROR) ([\s\S]*)$/.exec(line);
  return m ? { time: m[1]!, level: m[2] as LogLevel, message: m[3]! } : { time: '', level: 'INFO', message: line };
}

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
