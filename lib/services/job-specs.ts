// Parses and freezes a job's JobSpec at creation: PAI's keys (Loupe's earlier spellings accepted as
// aliases), defaults filled in from the dataset's job configs and index config, ids checked, and what
// Increment compares against (tag definition version, embedder id, index) recorded, so a running job
// never changes meaning when a definition or config is edited.
import { CONNECTION_KINDS } from '../domain/connection.js';
import { conflict, DomainError, invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import { usableFrom } from '../domain/workspace.js';
import type { DatasetJobConfigType } from '../domain/job-config.js';
import {
  FileMetaBuildSpec,
  IntelligentTagRevertSpec,
  IntelligentTagSpec,
  isTerminal,
  JOB_SPEC_ALIASES,
  SemanticIndexSpec,
  VectorIndexConfig,
  withPaiSpecKeys,
  type JobAction,
} from '../domain/job.js';
import type { ModelFactory } from '../ports/model-factory.js';
import type { VectorStores } from '../ports/vector-stores.js';
import type { ConnectionService } from './connections.js';
import type { ServiceDeps } from './deps.js';
import { resolveExportSpec } from './export.js';
import { resolveImportSpec } from './file-meta-import.js';
import type { SearchService } from './search.js';
import type { TagDefinitionService } from './tag-definitions.js';

/** PAI's example names the connection's own model "default": the same as leaving embeddingModel out. */
export const embeddingModelOf = (spec: { embeddingModel?: string }): string | undefined =>
  spec.embeddingModel === undefined || spec.embeddingModel === 'default' ? undefined : spec.embeddingModel;

/** What the local vector store can honour of PAI's vectorIndexConfig. */
const SIMILARITIES = ['cosine'];
const INDEX_TYPES = ['hnsw', 'flat'];

export class JobSpecs {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly connections: ConnectionService,
    private readonly tagDefinitions: TagDefinitionService,
    private readonly models: ModelFactory,
    private readonly vectorStores: VectorStores,
    private readonly search: SearchService,
  ) {}

  /** The spec to store: PAI's keys, defaults filled in; a 400 names a key as the request spelled it. */
  async resolve(action: JobAction, datasetId: string, raw: Record<string, unknown>, versionName = 'v1'): Promise<Record<string, unknown>> {
    try {
      // What a job names (connections, prompts, other datasets) must be visible from its dataset's
      // workspace, as the same ids would be to a request naming that workspace (a dataset in none: any).
      const workspace = (await this.deps.store.getDataset(datasetId))?.workspaceId || undefined;
      return await this.resolveKeys(action, datasetId, raw, versionName, workspace);
    } catch (e) {
      throw asSpelled(e, action, raw);
    }
  }

  private async resolveKeys(
    action: JobAction,
    datasetId: string,
    raw: Record<string, unknown>,
    versionName: string,
    workspace: string | undefined,
  ): Promise<Record<string, unknown>> {
    switch (action) {
      case 'FileMetaBuild':
        return parse(FileMetaBuildSpec, raw);
      case 'IntelligentTag':
        return this.intelligentTag(datasetId, versionName, withPaiSpecKeys(action, raw), workspace);
      case 'SemanticIndex':
        return this.semanticIndex(datasetId, versionName, withPaiSpecKeys(action, raw), workspace);
      case 'FileMetaExport':
        return resolveExportSpec(this.deps, this.search, datasetId, versionName, raw, workspace);
      case 'IntelligentTagRevert':
        return this.tagRevert(datasetId, versionName, raw);
      case 'FileMetaImport':
        return resolveImportSpec(this.deps, this.search, raw, workspace);
      default:
        throw invalid(`JobAction '${action}' is not available yet`, 'JobAction');
    }
  }

  private async intelligentTag(datasetId: string, versionName: string, given: Record<string, unknown>, workspace: string | undefined): Promise<Record<string, unknown>> {
    // A config's apiKey is kept by a connection of its own: the default connection when the config names none.
    const { apiKeyConnectionId, ...cfg } = await this.configDefaults(datasetId, versionName, 'MultimodalIntelligentTag');
    const merged = { ...cfg, ...given };
    if (merged.intelligentTagConnectionId === undefined && apiKeyConnectionId !== undefined) merged.intelligentTagConnectionId = apiKeyConnectionId;
    for (const key of ['intelligentTagConnectionId', 'promptId']) {
      if (merged[key] === undefined) {
        throw invalid(`JobSpec.${key} is required (or set it in the dataset's MultimodalIntelligentTag job config)`, `JobSpec.${key}`);
      }
    }
    const spec = parse(IntelligentTagSpec, merged);
    await this.connectionFor(spec.intelligentTagConnectionId, 'tagging', 'JobSpec.intelligentTagConnectionId', workspace);
    const def = await this.tagDefinitions
      .get(spec.promptId)
      .then((t) => {
        if (!usableFrom(t.workspaceId, workspace ?? '')) throw notFound('TagDefinition', spec.promptId);
        return t;
      })
      .catch(() => {
        throw invalid(`JobSpec.promptId: prompt (tag definition) '${spec.promptId}' not found`, 'JobSpec.promptId');
      });
    return { ...spec, tagDefinitionVersion: def.version };
  }

  /**
   * Each key from the first of: the JobSpec, the dataset's MultimodalSemanticIndex job config (the
   * version's, else the one for every version), its index config. The embedding model goes with its
   * connection: named in the JobSpec, or the model of the layer that gave the connection.
   */
  private async semanticIndex(datasetId: string, versionName: string, given: Record<string, unknown>, workspace?: string): Promise<Record<string, unknown>> {
    const cfg = await this.configDefaults(datasetId, versionName, 'MultimodalSemanticIndex');
    const { defaultModelId, defaultModelVersion, ...cfgKeys } = cfg;
    const fromConfig: Record<string, unknown> = { ...cfgKeys, modelId: defaultModelId, modelVersion: defaultModelVersion };
    const index = await this.deps.store.getIndexConfig(datasetId);
    const fromIndex: Record<string, unknown> = index
      ? { embeddingConnectionId: index.embeddingConnectionId, embeddingModel: index.modelName ?? undefined, databaseConnectionId: index.vectorConnectionId, databaseTableName: index.indexName }
      : {};
    const layers = [given, fromConfig, fromIndex];
    const first = (key: string, of = layers) => of.find((l) => l[key] !== undefined)?.[key];
    const connectionLayer = layers.find((l) => l.embeddingConnectionId !== undefined);
    const merged: Record<string, unknown> = { ...given };
    for (const key of ['modelId', 'modelVersion', 'concurrency', 'vectorIndexConfig']) merged[key] = first(key, [given, fromConfig]);
    for (const key of ['embeddingConnectionId', 'databaseConnectionId', 'databaseTableName']) merged[key] = first(key);
    merged.embeddingModel = given.embeddingModel ?? (connectionLayer === given ? undefined : connectionLayer?.embeddingModel);
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    if (merged.vectorIndexConfig !== undefined) merged.vectorIndexConfig = vectorIndexConfigOf(merged.vectorIndexConfig);
    const spec = parse(SemanticIndexSpec, merged);
    if (!spec.embeddingConnectionId || !spec.databaseConnectionId || !spec.databaseTableName) {
      const official = spec.modelId ? `modelId '${spec.modelId}' names a PAI official model, which Loupe does not host; ` : '';
      const field = `JobSpec.${!spec.embeddingConnectionId ? 'embeddingConnectionId' : !spec.databaseConnectionId ? 'databaseConnectionId' : 'databaseTableName'}`;
      throw invalid(
        `${field} is required: ${official}Loupe embeds through an embedding connection into a vector store: give embeddingConnectionId, ` +
          "databaseConnectionId and databaseTableName, or set them in the dataset's MultimodalSemanticIndex job config or index config",
        field,
      );
    }
    const embedding = await this.connectionFor(spec.embeddingConnectionId, 'embedding', 'JobSpec.embeddingConnectionId', workspace);
    const vector = await this.connectionFor(spec.databaseConnectionId, 'vector', 'JobSpec.databaseConnectionId', workspace);
    const embedder = this.models.embedder(embedding, embeddingModelOf(spec));
    const table = spec.databaseTableName;
    // A vector store Loupe cannot use yet is refused naming the JobSpec key that chose it.
    const store = await this.vectorStores.forConnection(vector).catch((e: unknown) => {
      throw isDomainError(e) && e.field === 'ConnectionId' ? withField(e, 'JobSpec.databaseConnectionId') : e;
    });
    const existing = await store.getIndex(table);
    if (existing && existing.embedderId !== embedder.id) {
      throw conflict(
        `index '${table}' holds vectors of ${existing.embedderId} (${existing.dimension} dims); this job would embed with ${embedder.id}. ` +
          'Use another databaseTableName, or the same model.',
      );
    }
    return { ...spec, embedderId: embedder.id };
  }

  private async tagRevert(datasetId: string, versionName: string, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
    const spec = parse(IntelligentTagRevertSpec, raw);
    const field = 'JobSpec.intelligentTagJobId';
    const tagJob = await this.deps.store.getJob(spec.intelligentTagJobId);
    if (!tagJob || tagJob.datasetId !== datasetId) throw invalid(`${field}: job '${spec.intelligentTagJobId}' not found in dataset ${datasetId}`, field);
    if (tagJob.jobAction !== 'IntelligentTag') throw invalid(`${field}: job '${tagJob.datasetJobId}' is a ${tagJob.jobAction} job, not IntelligentTag`, field);
    if (tagJob.versionName !== versionName) {
      throw invalid(`DatasetVersion: job '${tagJob.datasetJobId}' tagged version ${tagJob.versionName}; its revert runs on that version`, 'DatasetVersion');
    }
    if (!isTerminal(tagJob.status)) throw conflict(`job ${tagJob.datasetJobId} is ${tagJob.status}: stop it or let it end before reverting its tags`);
    return spec;
  }

  /** The Config of the dataset's job config of `type` for the version, else the one for every version. */
  private async configDefaults(datasetId: string, versionName: string, type: DatasetJobConfigType): Promise<Record<string, unknown>> {
    for (const v of [versionName, '']) {
      const page = await this.deps.store.listJobConfigs({ datasetId, configType: type, versionName: v, offset: 0, limit: 1 });
      if (page.items[0]) return page.items[0].config;
    }
    return {};
  }

  /** A connection the job's workspace may use (`usableFrom`): one of another workspace is "not found", its kind untold. */
  private async connectionFor(id: string, purpose: 'tagging' | 'embedding' | 'vector', field: string, workspace: string | undefined) {
    const resolved = await this.connections
      .get(id)
      .then((c) => {
        if (!usableFrom(c.workspaceId, workspace ?? '')) throw notFound('Connection', id);
        return this.connections.resolve(id);
      })
      .catch((e: unknown) => {
        if ((e as { kind?: string })?.kind === 'NotFound') throw invalid(`${field}: connection '${id}' not found`, field);
        throw e;
      });
    const kind = CONNECTION_KINDS[resolved.connection.connectionType];
    if (kind?.purpose !== purpose) {
      throw invalid(`${field}: connection '${id}' is a ${resolved.connection.connectionType}, not a ${purpose} connection`, field);
    }
    return resolved;
  }
}

/** An error about `JobSpec.<PAI key>` names the key as the request spelled it (an alias, when it used one). */
function asSpelled(e: unknown, action: JobAction, raw: Record<string, unknown>): unknown {
  if (!isDomainError(e) || !e.field?.startsWith('JobSpec.')) return e;
  const key = e.field.slice('JobSpec.'.length).split('.')[0]!;
  const aliases = JOB_SPEC_ALIASES[action] ?? {};
  const alias = Object.keys(aliases).find((a) => aliases[a] === key && a in raw);
  if (!alias || key in raw) return e;
  const spelled = (s: string) => s.split(`JobSpec.${key}`).join(`JobSpec.${alias}`);
  return new DomainError(e.kind, spelled(e.message), spelled(e.field));
}

/**
 * PAI's vectorIndexConfig (a JSON string or an object) as a canonical JSON string, or a 400 naming what
 * the local vector store cannot honour: it keeps one shard and ranks by cosine similarity, exactly
 * (so `hnsw`, whose results approximate exact ranking, and its build options are accepted).
 */
export function vectorIndexConfigOf(raw: unknown, field = 'JobSpec.vectorIndexConfig'): string {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw invalid(`${field}: not valid JSON`, field);
    }
  }
  const r = VectorIndexConfig.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = [field, ...issue.path.map(String)].join('.');
    throw invalid(`${where}: ${issue.message}`, where);
  }
  const c = r.data;
  if (c.shards !== undefined && c.shards !== 1) throw invalid(`${field}.shards: the local vector store keeps an index in one shard (give 1)`, `${field}.shards`);
  if (c.similarity !== undefined && !SIMILARITIES.includes(c.similarity.toLowerCase())) {
    throw invalid(`${field}.similarity: the local vector store ranks by cosine similarity only, not '${c.similarity}'`, `${field}.similarity`);
  }
  if (c.indexType !== undefined && !INDEX_TYPES.includes(c.indexType.toLowerCase())) {
    throw invalid(`${field}.indexType: '${c.indexType}' is not an index type of the local vector store (hnsw, flat)`, `${field}.indexType`);
  }
  return JSON.stringify(c);
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `JobSpec.${issue.path.map(String).join('.')}` : 'JobSpec';
    throw invalid(`${where}: ${issue.message}`, where);
  }
  return r.data;
}
