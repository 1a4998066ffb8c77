import { z } from 'zod';

// Connections and tag definitions: their schemas are laid here; their API comes with smart tagging.
export const ConnectionType = z.enum([
  'DashScopeConnection',
  'OpenLLMConnection',
  'EasEmbeddingConnection',
  'DashScopeEmbeddingConnection',
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
