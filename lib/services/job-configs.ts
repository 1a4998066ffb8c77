// Use cases of PAI's dataset job configs (lib/domain/job-config.ts): create, read, list, update and
// delete, each within the dataset's workspace. A config is checked against its type when saved; the
// connections and prompt it names are checked when a job uses it (JobSpecs.resolve), as a JobSpec's are.
//
// PAI's MultimodalIntelligentTag config holds a DashScope `apiKey`. Loupe keeps a key only where keys
// are kept: the config gets a DashScopeConnection of its own (made, re-keyed and deleted with it, its
// secret sealed) and records its id as `apiKeyConnectionId`; responses show the key as `******`. An
// IntelligentTag job of the dataset that names no connection tags through it.
import { conflict, invalid, isDomainError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { API_KEY_MASK, CONFIG_SCHEMAS, type DatasetJobConfig, type DatasetJobConfigType } from '../domain/job-config.js';
import type { Page } from '../ports/meta-store.js';
import type { ConnectionService } from './connections.js';
import { nowIso, type ServiceDeps } from './deps.js';
import { vectorIndexConfigOf } from './job-specs.js';
import type { JobService } from './jobs.js';

export interface JobConfigListQuery {
  configType?: DatasetJobConfigType;
  versionName?: string;
  offset: number;
  limit: number;
}

export class JobConfigService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
    private readonly connections: ConnectionService,
  ) {}

  async create(
    datasetId: string,
    input: { configType: DatasetJobConfigType; config: unknown; versionName?: string; /** The request's principal: Creator of the apiKey's connection. */ creator?: string },
    workspaceId?: string,
  ): Promise<DatasetJobConfig> {
    const dataset = await this.jobs.datasetIn(datasetId, workspaceId);
    const versionName = input.versionName ?? '';
    if (versionName && !(await this.deps.store.hasVersion(datasetId, versionName))) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
    const { config, apiKey } = checkConfig(input.configType, input.config);
    if (apiKey === API_KEY_MASK) throw invalid(`Config.apiKey: give the key itself ('${API_KEY_MASK}' is how responses hide one)`, 'Config.apiKey');
    const now = nowIso(this.deps);
    const c: DatasetJobConfig = {
      datasetJobConfigId: newId('dscfg'),
      datasetId,
      workspaceId: dataset.workspaceId,
      versionName,
      configType: input.configType,
      config,
      createTime: now,
      modifyTime: now,
    };
    // The one check the store makes (one per type and version) comes before a connection is made for it.
    const taken = await this.deps.store.listJobConfigs({ datasetId, configType: c.configType, versionName, offset: 0, limit: 1 });
    if (taken.items.length) {
      throw conflict(`dataset ${datasetId} has a ${c.configType} job config for ${versionName ? `version ${versionName}` : 'every version'} already: update that one`);
    }
    if (apiKey !== undefined) c.config.apiKeyConnectionId = await this.keyConnection(c, apiKey, input.creator);
    try {
      await this.deps.store.createJobConfig(c);
    } catch (e) {
      if (typeof c.config.apiKeyConnectionId === 'string') await this.dropKeyConnection(c.config.apiKeyConnectionId);
      throw e;
    }
    return c;
  }

  async get(datasetId: string, id: string, workspaceId?: string): Promise<DatasetJobConfig> {
    await this.jobs.datasetIn(datasetId, workspaceId);
    const c = await this.deps.store.getJobConfig(id);
    if (!c || c.datasetId !== datasetId) throw notFound('DatasetJobConfig', id);
    return c;
  }

  async list(datasetId: string, q: JobConfigListQuery, workspaceId?: string): Promise<Page<DatasetJobConfig>> {
    await this.jobs.datasetIn(datasetId, workspaceId);
    return this.deps.store.listJobConfigs({ datasetId, ...q });
  }

  /**
   * Replaces the Config and/or the ConfigType (the Config kept must then fit the new type). An apiKey
   * given as `******` (as read back) keeps the stored key; another one re-keys its connection; none
   * deletes it.
   */
  async update(
    datasetId: string,
    id: string,
    patch: { configType?: DatasetJobConfigType; config?: unknown; /** The request's principal: Creator of a new apiKey connection. */ creator?: string },
    workspaceId?: string,
  ): Promise<DatasetJobConfig> {
    const before = await this.get(datasetId, id, workspaceId);
    const configType = patch.configType ?? before.configType;
    const held = typeof before.config.apiKeyConnectionId === 'string' ? before.config.apiKeyConnectionId : undefined;
    const raw = patch.config ?? (held ? { ...before.config, apiKey: API_KEY_MASK } : before.config);
    const { config, apiKey } = checkConfig(configType, raw, held);
    const after: DatasetJobConfig = { ...before, configType, config, modifyTime: nowIso(this.deps) };
    if (apiKey === API_KEY_MASK) {
      if (!held) throw invalid(`Config.apiKey: this config holds no key to keep ('${API_KEY_MASK}' stands for a stored one): give the key`, 'Config.apiKey');
      config.apiKeyConnectionId = held;
    } else if (apiKey !== undefined) {
      if (held) await this.connections.update(held, { secrets: { api_key: apiKey } });
      config.apiKeyConnectionId = held ?? (await this.keyConnection(after, apiKey, patch.creator));
    }
    await this.deps.store.updateJobConfig(after);
    if (held && config.apiKeyConnectionId !== held) await this.dropKeyConnection(held);
    return after;
  }

  async delete(datasetId: string, id: string, workspaceId?: string): Promise<void> {
    const c = await this.get(datasetId, id, workspaceId);
    await this.deps.store.deleteJobConfig(id);
    if (typeof c.config.apiKeyConnectionId === 'string') await this.dropKeyConnection(c.config.apiKeyConnectionId);
  }

  /** The DashScopeConnection that keeps a config's apiKey (sealed, in the dataset's workspace). */
  private async keyConnection(c: DatasetJobConfig, apiKey: string, creator: string | undefined): Promise<string> {
    const conn = await this.connections.create({
      connectionName: `job config ${c.datasetJobConfigId}`,
      connectionType: 'DashScopeConnection',
      secrets: { api_key: apiKey },
      description: `The apiKey of dataset job config ${c.datasetJobConfigId} (dataset ${c.datasetId}): made, re-keyed and deleted with it`,
      workspaceId: c.workspaceId,
      creator,
    });
    return conn.connectionId;
  }

  private async dropKeyConnection(id: string): Promise<void> {
    await this.connections.delete(id).catch((e: unknown) => {
      if (!(isDomainError(e) && e.kind === 'NotFound')) throw e;
    });
  }
}

/**
 * The Config (a JSON string, or an object) checked against its type, and its apiKey apart (never
 * stored in the config); a 400 naming the key otherwise. `apiKeyConnectionId` is the server's: given
 * back unchanged (`held`) it is accepted, as a client that read the config may send it.
 */
export function checkConfig(type: DatasetJobConfigType, raw: unknown, held?: string): { config: Record<string, unknown>; apiKey?: string } {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw invalid('Config: not valid JSON', 'Config');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('Config: must be a JSON object', 'Config');
  const { apiKey, apiKeyConnectionId, ...rest } = value as Record<string, unknown>;
  if (apiKeyConnectionId !== undefined && apiKeyConnectionId !== held) {
    throw invalid('Config.apiKeyConnectionId: set by Loupe when a config holds an apiKey; give the apiKey', 'Config.apiKeyConnectionId');
  }
  if (apiKey !== undefined) {
    if (type !== 'MultimodalIntelligentTag') throw invalid(`Config.apiKey: only a MultimodalIntelligentTag config holds an apiKey (ConfigType ${type})`, 'Config.apiKey');
    if (typeof apiKey !== 'string' || apiKey.length < 1 || apiKey.length > 512 || /[\p{Cc}\s]/u.test(apiKey)) {
      throw invalid('Config.apiKey: a key of 1 to 512 characters, without spaces or control characters', 'Config.apiKey');
    }
  }
  const r = CONFIG_SCHEMAS[type].safeParse(rest);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const where = ['Config', ...issue.path.map(String), ...(unknown ? [unknown] : [])].join('.');
    throw invalid(`${where}: ${issue.message} (ConfigType ${type})`, where);
  }
  const config: Record<string, unknown> = { ...r.data };
  if (config.vectorIndexConfig !== undefined) config.vectorIndexConfig = vectorIndexConfigOf(config.vectorIndexConfig, 'Config.vectorIndexConfig');
  return { config, ...(apiKey !== undefined ? { apiKey: apiKey as string } : {}) };
}
