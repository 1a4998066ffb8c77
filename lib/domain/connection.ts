import { z } from 'zod';

// Connections and tag definitions (PAI's Prompts are tag definitions: lib/http/routes/prompts.ts).
// Configs and Secrets take PAI's key names per ConnectionType (CreateConnection's documented keys);
// the Loupe-only types keep their own.
export const ConnectionType = z.enum([
  // PAI's nine
  'DashScopeConnection',
  'OpenLLMConnection',
  'MilvusConnection',
  'OpenSearchConnection',
  'LindormConnection',
  'ElasticsearchConnection',
  'HologresConnection',
  'RDSConnection',
  'CustomConnection',
  // Loupe only
  'EasEmbeddingConnection',
  'DashScopeEmbeddingConnection',
  'ClassicEmbeddingConnection',
  'LocalVectorConnection',
]);
export type ConnectionType = z.infer<typeof ConnectionType>;

/** PAI's visibility of a connection or prompt in its workspace (stored and returned; the access model comes later). */
export const ConnectionAccessibility = z.enum(['PRIVATE', 'PUBLIC']);
export type ConnectionAccessibility = z.infer<typeof ConnectionAccessibility>;

/** One model a connection serves: PAI's `Models[]` (descriptive fields stored and returned). */
export interface ConnectionModel {
  model: string;
  modelType?: string;
  displayName?: string;
  toolCall?: boolean;
  maxModelLength?: number;
  supportReasoning?: boolean;
  supportResponseSchema?: boolean;
  supportVision?: boolean;
}

/** PAI's `ResourceMeta`: the instance behind a database connection (descriptive). */
export interface ConnectionResourceMeta {
  instanceId?: string;
  instanceName?: string;
  extra?: string;
}

export interface Connection {
  connectionId: string;
  connectionName: string;
  connectionType: ConnectionType;
  configs: Record<string, string>;
  /** Names of the secrets held (values are encrypted at rest and never leave the store). */
  secretNames: string[];
  models: ConnectionModel[];
  description: string;
  accessibility: ConnectionAccessibility;
  /** '' when created without one (lib/domain/workspace.ts). */
  workspaceId: string;
  resourceMeta?: ConnectionResourceMeta;
  /** PAI's Creator: the principal of the request that made it (lib/http/env.ts); absent for one made before Loupe recorded it. */
  creator?: string;
  createTime: string;
  updateTime: string;
}

export type ConnectionPurpose = 'tagging' | 'embedding' | 'vector' | 'database' | 'custom';

export interface ConnectionKind {
  purpose: ConnectionPurpose;
  /** False: stored, listed and validated (connectivity), but no job or search can use it yet. */
  usable: boolean;
  configs: { required: readonly string[]; optional: readonly string[] };
  secrets: { required: readonly string[]; optional: readonly string[] };
  /** Any key is taken (CustomConnection). */
  freeForm?: boolean;
  /** Default `Configs` values. */
  defaults?: Readonly<Record<string, string>>;
  /** Loupe's older spellings still accepted in requests, to the PAI key they stand for. */
  aliases?: { configs?: Readonly<Record<string, string>>; secrets?: Readonly<Record<string, string>> };
  /** Configs that are http(s) URLs. */
  urls?: readonly string[];
  /** Configs that say where the secrets are sent: changing one needs every held secret again. */
  destinations?: readonly string[];
}

export const DASHSCOPE_COMPATIBLE_BASE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';
export const DASHSCOPE_API_BASE_URL = 'https://dashscope.aliyuncs.com/api/v1';

const none = { required: [], optional: [] } as const;
const LLM_ALIASES = { configs: { BaseUrl: 'base_url' }, secrets: { ApiKey: 'api_key' } } as const;
const SEARCH_STORE: Omit<ConnectionKind, 'usable'> = {
  purpose: 'vector',
  configs: { required: ['uri'], optional: ['username'] },
  secrets: { required: [], optional: ['password'] },
  destinations: ['uri'],
};

/** Every connection type, with the Configs and Secrets each takes. */
export const CONNECTION_KINDS: Record<ConnectionType, ConnectionKind> = {
  DashScopeConnection: {
    purpose: 'tagging',
    usable: true,
    configs: { required: [], optional: ['base_url'] },
    secrets: { required: ['api_key'], optional: [] },
    defaults: { base_url: DASHSCOPE_COMPATIBLE_BASE_URL },
    aliases: LLM_ALIASES,
    urls: ['base_url'],
    destinations: ['base_url'],
  },
  OpenLLMConnection: {
    purpose: 'tagging',
    usable: true,
    configs: { required: ['base_url'], optional: [] },
    secrets: { required: [], optional: ['api_key'] },
    aliases: LLM_ALIASES,
    urls: ['base_url'],
    destinations: ['base_url'],
  },
  MilvusConnection: { ...SEARCH_STORE, usable: false },
  OpenSearchConnection: { ...SEARCH_STORE, usable: false },
  LindormConnection: { ...SEARCH_STORE, usable: false },
  ElasticsearchConnection: { ...SEARCH_STORE, usable: false },
  HologresConnection: {
    purpose: 'database',
    usable: false,
    configs: { required: ['host'], optional: ['port', 'database', 'user'] },
    secrets: { required: [], optional: ['password'] },
    destinations: ['host', 'port'],
  },
  RDSConnection: {
    purpose: 'database',
    usable: false,
    configs: { required: ['host'], optional: ['port', 'database', 'type', 'username'] },
    secrets: { required: [], optional: ['password'] },
    destinations: ['host', 'port'],
  },
  CustomConnection: { purpose: 'custom', usable: false, configs: none, secrets: none, freeForm: true },
  EasEmbeddingConnection: {
    purpose: 'embedding',
    usable: true,
    configs: { required: ['Endpoint'], optional: ['Model'] },
    secrets: { required: [], optional: ['Token'] },
    urls: ['Endpoint'],
    destinations: ['Endpoint'],
  },
  DashScopeEmbeddingConnection: {
    purpose: 'embedding',
    usable: true,
    configs: { required: [], optional: ['BaseUrl', 'Model'] },
    secrets: { required: ['ApiKey'], optional: [] },
    defaults: { BaseUrl: DASHSCOPE_API_BASE_URL, Model: 'multimodal-embedding-v1' },
    urls: ['BaseUrl'],
    destinations: ['BaseUrl'],
  },
  ClassicEmbeddingConnection: { purpose: 'embedding', usable: true, configs: none, secrets: none },
  LocalVectorConnection: { purpose: 'vector', usable: true, configs: none, secrets: none },
};

/** The types a job or a search can use, for "not available yet" messages. */
export const usableTypes = (purpose: ConnectionPurpose): ConnectionType[] =>
  (Object.keys(CONNECTION_KINDS) as ConnectionType[]).filter((t) => CONNECTION_KINDS[t].purpose === purpose && CONNECTION_KINDS[t].usable);

/**
 * Secrets as they are used now. Connections sealed before PAI's key names held `ApiKey`; opened, the
 * alias is read as the PAI key (the next update seals it under the new name).
 */
export function currentSecretNames(type: ConnectionType, secrets: Record<string, string>): Record<string, string> {
  const aliases = CONNECTION_KINDS[type].aliases?.secrets;
  if (!aliases) return secrets;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) out[aliases[k] ?? k] = v;
  return out;
}

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
  /** PAI Prompt fields: descriptive, stored and returned. */
  description: z.string().max(1024),
  accessibility: ConnectionAccessibility,
  /** PAI's FrameworkType of the prompt ('' when none was given). */
  frameworkType: z.string().max(64),
  workspaceId: z.string(),
  createTime: z.string(),
  updateTime: z.string(),
});
export type TagDefinition = z.infer<typeof TagDefinition>;
