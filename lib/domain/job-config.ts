// PAI's DatasetJobConfig: settings a dataset's jobs of one kind start from. Loupe reads them as the
// defaults of a JobSpec: a MultimodalSemanticIndex config fills the keys a SemanticIndex JobSpec
// leaves out, a MultimodalIntelligentTag config those an IntelligentTag JobSpec leaves out (the
// JobSpec wins; JobSpecs.resolve). PAI documents `{"defaultModelId","defaultModelVersion"}` and
// `{"apiKey"}`; Loupe adds the JobSpec keys themselves. A model's API key lives only in a
// connection's Secrets (sealed, never returned): a config that is read back in plain text never holds one.
import { z } from 'zod';
import { lineText } from './text.js';

export const DatasetJobConfigType = z.enum(['MultimodalIntelligentTag', 'MultimodalSemanticIndex']);

/** How responses show a config's apiKey (and, sent back, "keep the stored key"). */
export const API_KEY_MASK = '******';
export type DatasetJobConfigType = z.infer<typeof DatasetJobConfigType>;

const id = lineText(128, 1);

/** Defaults of SemanticIndex JobSpecs: PAI's defaultModelId/defaultModelVersion, and the JobSpec's own keys. */
export const MultimodalSemanticIndexConfig = z
  .object({
    defaultModelId: id.optional(),
    defaultModelVersion: lineText(64, 1).optional(),
    embeddingConnectionId: id.optional(),
    embeddingModel: id.optional(),
    databaseConnectionId: id.optional(),
    databaseTableName: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and - (at most 64)').optional(),
    /** As in the JobSpec: a JSON string or an object. */
    vectorIndexConfig: z.union([z.string().max(2048), z.record(z.string(), z.unknown())]).optional(),
    concurrency: z.number().int().min(1).max(100).optional(),
  })
  .strict();
export type MultimodalSemanticIndexConfig = z.infer<typeof MultimodalSemanticIndexConfig>;

/** Defaults of IntelligentTag JobSpecs (the JobSpec's keys). */
export const MultimodalIntelligentTagConfig = z
  .object({
    intelligentTagConnectionId: id.optional(),
    modelId: id.optional(),
    promptId: id.optional(),
    concurrency: z.number().int().min(1).max(100).optional(),
  })
  .strict();
export type MultimodalIntelligentTagConfig = z.infer<typeof MultimodalIntelligentTagConfig>;

export const CONFIG_SCHEMAS = {
  MultimodalSemanticIndex: MultimodalSemanticIndexConfig,
  MultimodalIntelligentTag: MultimodalIntelligentTagConfig,
} as const;

/** Which JobSpec a config type gives defaults to. */
export const CONFIG_JOB_ACTION = { MultimodalSemanticIndex: 'SemanticIndex', MultimodalIntelligentTag: 'IntelligentTag' } as const;

export interface DatasetJobConfig {
  datasetJobConfigId: string;
  datasetId: string;
  /** The dataset's workspace ('' when none). */
  workspaceId: string;
  /** The version the config is for; '' : every version (a version's own config wins). */
  versionName: string;
  configType: DatasetJobConfigType;
  /**
   * The Config JSON, checked against its type. Never an apiKey: a MultimodalIntelligentTag config given
   * one holds `apiKeyConnectionId`, the DashScopeConnection that keeps it (JobConfigService).
   */
  config: Record<string, unknown>;
  createTime: string;
  modifyTime: string;
}
