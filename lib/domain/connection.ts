import { z } from 'zod';

// Connections and tag definitions: their schemas are laid here; their API comes with smart tagging.
export const ConnectionType = z.enum([
  'DashScopeConnection',
  'OpenLLMConnection',
  'EasEmbeddingConnection',
  'DashScopeEmbeddingConnection',
  'ClassicEmbeddingConnection',
  'LocalVectorConnection',
  'ElasticsearchConnection',
  'OpenSearchConnection',
  'MilvusConnection',
]);
export type ConnectionType = z.infer<typeof ConnectionType>;

export const Connection = z.object({
  connectionId: z.string(),
  connectionName: z.string().min(1).max(128),
  connectionType: ConnectionType,
  configs: z.record(z.string(), z.string()),
  /** Names of the secrets held (values are encrypted at rest and never leave the store). */
  secretNames: z.array(z.string()),
  models: z.array(z.object({ model: z.string(), modelType: z.string().optional() })),
  createTime: z.string(),
  updateTime: z.string(),
});
export type Connection = z.infer<typeof Connection>;

export type ConnectionPurpose = 'tagging' | 'embedding' | 'vector';

export interface ConnectionKind {
  purpose: ConnectionPurpose;
  configs: { required: readonly string[]; optional: readonly string[] };
  secrets: { required: readonly string[]; optional: readonly string[] };
  /** Default `Configs` values. */
  defaults?: Readonly<Record<string, string>>;
}

export const DASHSCOPE_COMPATIBLE_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';
export const DASHSCOPE_API_BASE_URL = 'https://dashscope.aliyuncs.com/api/v1';

/** The connection types this build can use, with the Configs and Secrets each takes. */
export const CONNECTION_KINDS: Partial<Record<ConnectionType, ConnectionKind>> = {
  DashScopeConnection: {
    purpose: 'tagging',
    configs: { required: [], optional: ['BaseUrl'] },
    secrets: { required: ['ApiKey'], optional: [] },
    defaults: { BaseUrl: DASHSCOPE_COMPATIBLE_BASE_URL },
  },
  OpenLLMConnection: {
    purpose: 'tagging',
    configs: { required: ['BaseUrl'], optional: [] },
    secrets: { required: [], optional: ['ApiKey'] },
  },
  EasEmbeddingConnection: {
    purpose: 'embedding',
    configs: { required: ['Endpoint'], optional: ['Model'] },
    secrets: { required: [], optional: ['Token'] },
  },
  DashScopeEmbeddingConnection: {
    purpose: 'embedding',
    configs: { required: [], optional: ['BaseUrl', 'Model'] },
    secrets: { required: ['ApiKey'], optional: [] },
    defaults: { BaseUrl: DASHSCOPE_API_BASE_URL, Model: 'multimodal-embedding-v1' },
  },
  ClassicEmbeddingConnection: { purpose: 'embedding', configs: { required: [], optional: [] }, secrets: { required: [], optional: [] } },
  LocalVectorConnection: { purpose: 'vector', configs: { required: [], optional: [] }, secrets: { required: [], optional: [] } },
};

export const TagDefinitionItem = z.object({
  name: z.string().min(1).max(128),
  description: z.string().max(2048).default(''),
  values: z.array(z.string().min(1)).optional(),
});
export const TagDefinition = z.object({
  tagDefinitionId: z.string(),
  name: z.string().min(1).max(128),
  guidePrompt: z.string().max(8192),
  tags: z.array(TagDefinitionItem).min(1),
  version: z.number().int().positive(),
  createTime: z.string(),
  updateTime: z.string(),
});
export type TagDefinition = z.infer<typeof TagDefinition>;
