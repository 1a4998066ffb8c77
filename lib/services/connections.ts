// Use cases of connections: model services, vector stores, databases (PAI's nine ConnectionTypes and
// Loupe's own). Secrets are sealed at rest, opened only to make a call, and never returned, logged or
// put in an error. Configs and Secrets take PAI's key names; Loupe's older spellings (BaseUrl,
// ApiKey on DashScope/OpenLLM) are read as aliases.
import {
  CONNECTION_KINDS,
  currentSecretNames,
  type ConnectionAccessibility,
  type Connection,
  type ConnectionKind,
  type ConnectionResourceMeta,
  type ConnectionType,
} from '../domain/connection.js';
import { invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { visibleIn } from '../domain/workspace.js';
import type { ConnectionQuery, Page } from '../ports/meta-store.js';
import type { ModelFactory, ResolvedConnection } from '../ports/model-factory.js';
import { isModelError } from '../ports/model-errors.js';
import type { SecretBox } from '../ports/secret-box.js';
import { solidPng } from '../media/solid-image.js';
import { nowIso, type ServiceDeps } from './deps.js';

export interface ConnectionInput {
  connectionName: string;
  connectionType: ConnectionType;
  configs?: Record<string, string>;
  secrets?: Record<string, string>;
  models?: Connection['models'];
  description?: string;
  accessibility?: ConnectionAccessibility;
  workspaceId?: string;
  resourceMeta?: ConnectionResourceMeta;
  /** The principal of the request (lib/http/env.ts): stored as PAI's Creator. */
  creator?: string;
}

export interface ConnectionPatch {
  connectionName?: string;
  configs?: Record<string, string>;
  secrets?: Record<string, string>;
  models?: Connection['models'];
  description?: string;
  resourceMeta?: ConnectionResourceMeta;
}

/** PAI's ValidateConnection: a saved connection, or settings not saved. */
export type ValidationTarget =
  | { connectionId: string; workspaceId?: string }
  | { connectionType: ConnectionType; configs?: Record<string, string>; secrets?: Record<string, string>; models?: Connection['models'] };

export interface ValidationReport {
  ok: boolean;
  /** What was called and what came back, without secrets. */
  message: string;
  /** On failure: the HTTP status of the service, or a word for what failed. */
  code?: string;
  /** What was checked (type, model or address); never a secret. */
  details: Record<string, string>;
}

/** IntelligentTag's default modelId (lib/domain/job.ts): what validating a tagging connection tries when it names no model. */
const DEFAULT_TAGGING_MODEL = 'qwen-vl-max';

/** At most this many Configs or Secrets entries (a CustomConnection takes any keys). */
const MAX_ENTRIES = 64;

export class ConnectionService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly secretBox: SecretBox,
    private readonly models: ModelFactory,
  ) {}

  async create(input: ConnectionInput): Promise<Connection> {
    const kind = CONNECTION_KINDS[input.connectionType];
    const configs = { ...(kind.defaults ?? {}), ...paiKeys(kind, 'Configs', input.configs) };
    const secrets = paiKeys(kind, 'Secrets', input.secrets);
    checkFields(kind, configs, secrets);
    const now = nowIso(this.deps);
    const connection: Connection = {
      connectionId: newId('conn'),
      connectionName: input.connectionName,
      connectionType: input.connectionType,
      configs,
      secretNames: Object.keys(secrets).sort(),
      models: input.models ?? [],
      description: input.description ?? '',
      accessibility: input.accessibility ?? 'PRIVATE',
      workspaceId: input.workspaceId ?? '',
      ...(input.resourceMeta ? { resourceMeta: input.resourceMeta } : {}),
      ...(input.creator ? { creator: input.creator } : {}),
      createTime: now,
      updateTime: now,
    };
    await this.deps.store.createConnection(connection, this.secretBox.seal(JSON.stringify(secrets)));
    this.deps.log.info('connection created', { connectionId: connection.connectionId, type: connection.connectionType, creator: connection.creator ?? null });
    return connection;
  }

  /** `workspaceId`: the workspace the request named (lib/domain/workspace.ts); another's is not found. */
  async get(id: string, workspaceId?: string): Promise<Connection> {
    const c = await this.deps.store.getConnection(id);
    if (!c || !visibleIn(c.connection.workspaceId, workspaceId)) throw notFound('Connection', id);
    return c.connection;
  }

  list(q: ConnectionQuery): Promise<Page<Connection>> {
    return this.deps.store.listConnections(q);
  }

  /**
   * Configs merge; each given secret replaces (an empty string removes it). The type cannot change.
   * A secret never follows its address to another place: moving base_url/Endpoint/uri to another
   * scheme, host or port (or host/port of a database) needs every held secret given again in the same
   * request (400 naming the first one missing), so nothing is silently sent to, or silently dropped
   * for, a new host.
   */
  async update(id: string, patch: ConnectionPatch, workspaceId?: string): Promise<Connection> {
    await this.get(id, workspaceId);
    const { connection, secrets } = await this.resolve(id);
    const kind = CONNECTION_KINDS[connection.connectionType];
    const configs = { ...connection.configs, ...paiKeys(kind, 'Configs', patch.configs) };
    const given = paiKeys(kind, 'Secrets', patch.secrets);
    const merged = { ...secrets };
    for (const [k, v] of Object.entries(given)) {
      if (v === '') delete merged[k];
      else merged[k] = v;
    }
    checkFields(kind, configs, merged);
    checkSecretsFollowDestinations(kind, connection.configs, configs, secrets, given);
    const updated: Connection = {
      ...connection,
      connectionName: patch.connectionName ?? connection.connectionName,
      configs,
      secretNames: Object.keys(merged).sort(),
      models: patch.models ?? connection.models,
      description: patch.description ?? connection.description,
      ...(patch.resourceMeta ? { resourceMeta: patch.resourceMeta } : {}),
      updateTime: nowIso(this.deps),
    };
    await this.deps.store.updateConnection(updated, this.secretBox.seal(JSON.stringify(merged)));
    return updated;
  }

  async delete(id: string, workspaceId?: string): Promise<void> {
    await this.get(id, workspaceId);
    await this.deps.store.deleteConnection(id);
  }

  /** The connection with its secrets opened, for the code that calls the service. */
  async resolve(id: string): Promise<ResolvedConnection> {
    const c = await this.deps.store.getConnection(id);
    if (!c) throw notFound('Connection', id);
    const opened = JSON.parse(this.secretBox.open(c.sealedSecrets)) as Record<string, string>;
    return { connection: c.connection, secrets: currentSecretNames(c.connection.connectionType, opened) };
  }

  /**
   * Really calls the service with a minimal request and reports what failed: the HTTP status or
   * network error and a fixed reason. The model adapters never pass on what the service wrote, and
   * every message leaves them through their redactor (every form of every secret they were given).
   * Types Loupe does not call yet (vector stores, databases) get a TCP connection to their address.
   * Settings not saved are checked as CreateConnection would check them, then tried, never stored.
   */
  async validate(target: ValidationTarget): Promise<ValidationReport> {
    let resolved: ResolvedConnection;
    if ('connectionId' in target) {
      await this.get(target.connectionId, target.workspaceId);
      resolved = await this.resolve(target.connectionId);
    } else {
      const kind = CONNECTION_KINDS[target.connectionType];
      const configs = { ...(kind.defaults ?? {}), ...paiKeys(kind, 'Configs', target.configs) };
      const secrets = paiKeys(kind, 'Secrets', target.secrets);
      checkFields(kind, configs, secrets);
      const now = nowIso(this.deps);
      resolved = {
        connection: {
          connectionId: '(not saved)',
          connectionName: '(not saved)',
          connectionType: target.connectionType,
          configs,
          secretNames: Object.keys(secrets).sort(),
          models: target.models ?? [],
          description: '',
          accessibility: 'PRIVATE',
          workspaceId: '',
          createTime: now,
          updateTime: now,
        },
        secrets,
      };
    }
    return this.check(resolved);
  }

  private async check(resolved: ResolvedConnection): Promise<ValidationReport> {
    const { connection } = resolved;
    const kind = CONNECTION_KINDS[connection.connectionType];
    const details: Record<string, string> = { ValidateType: 'Connectivity', ConnectionType: connection.connectionType };
    try {
      if (kind.purpose === 'tagging') {
        // No model named: the one an IntelligentTag job uses by default, so success means a job would work.
        const model = connection.models[0]?.model ?? DEFAULT_TAGGING_MODEL;
        details.Model = model;
        const r = await this.models.tagger(resolved).tag({
          image: { data: await solidPng(), mime: 'image/png' },
          definition: { guidePrompt: 'Connection check.', tags: [{ name: 'image', description: 'the input is an image', values: undefined }] },
          model,
        });
        return { ok: true, message: `${model} answered with valid JSON (${r.tags.length} tags)`, details };
      }
      if (kind.purpose === 'embedding') {
        const embedder = this.models.embedder(resolved);
        details.Model = embedder.id;
        const [out] = await embedder.embed([{ kind: 'image', data: await solidPng(), mime: 'image/png' }]);
        if (!out?.ok) return { ok: false, code: 'Refused', message: `the service refused the test image: ${out?.error ?? 'no result'}`, details };
        return { ok: true, message: `${embedder.id} returned a ${out.vector.length}-dimensional vector`, details };
      }
      if (connection.connectionType === 'LocalVectorConnection') return { ok: true, message: 'the local vector store needs no service', details };
      const address = addressOf(connection);
      if (!address) {
        return { ok: false, code: 'NotCheckable', message: `a ${connection.connectionType} names no host Loupe can connect to; it is stored as given`, details };
      }
      if ('missing' in address) return { ok: false, code: 'InvalidConfigs', message: address.missing, details };
      details.Address = `${address.host}:${address.port}`;
      if (!this.models.reach) return { ok: false, code: 'NotCheckable', message: 'this build cannot open connections to check', details };
      await this.models.reach(address.host, address.port);
      const later = kind.usable ? '' : ` (Loupe stores this ${connection.connectionType} but cannot use it in jobs or searches yet)`;
      return { ok: true, message: `a TCP connection to ${details.Address} succeeded${later}`, details };
    } catch (e) {
      // A model error's message already names the HTTP status or network error.
      if (isModelError(e)) return { ok: false, code: e.status ? String(e.status) : 'ConnectionFailed', message: `${e.kind} error: ${e.message}`, details };
      return { ok: false, code: 'ValidationFailed', message: e instanceof Error ? e.message : String(e), details };
    }
  }
}

/**
 * `given` with Loupe's older key names read as PAI's (DashScope/OpenLLM: BaseUrl → base_url,
 * ApiKey → api_key). Both names at once is a 400: which one was meant is not ours to guess.
 */
function paiKeys(kind: ConnectionKind, where: 'Configs' | 'Secrets', given: Record<string, string> | undefined): Record<string, string> {
  const aliases = (where === 'Configs' ? kind.aliases?.configs : kind.aliases?.secrets) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(given ?? {})) {
    const name = aliases[k] ?? k;
    if (name !== k && given?.[name] !== undefined) {
      throw invalid(`${where}.${k} and ${where}.${name} are the same field (${k} is Loupe's older name): give one`, `${where}.${k}`);
    }
    out[name] = v;
  }
  return out;
}

function checkFields(kind: ConnectionKind, configs: Record<string, string>, secrets: Record<string, string>): void {
  for (const [where, fields, given] of [
    ['Configs', kind.configs, configs],
    ['Secrets', kind.secrets, secrets],
  ] as const) {
    if (Object.keys(given).length > MAX_ENTRIES) throw invalid(`${where} holds more than ${MAX_ENTRIES} entries`, where);
    for (const name of fields.required) {
      if (!given[name]) throw invalid(`${where}.${name} is required for this ConnectionType`, `${where}.${name}`);
    }
    if (kind.freeForm) continue;
    const known = new Set([...fields.required, ...fields.optional]);
    for (const name of Object.keys(given)) {
      if (!known.has(name)) throw invalid(`${where}.${name} is not a field of this ConnectionType (known: ${[...known].join(', ') || 'none'})`, `${where}.${name}`);
    }
  }
  for (const name of kind.urls ?? []) {
    const url = configs[name];
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw invalid(`Configs.${name} must be an http(s) URL`, `Configs.${name}`);
  }
  if (kind.freeForm) return;
  if (configs.uri !== undefined && !placeOf(configs.uri)) throw invalid('Configs.uri must be a URL with a host, e.g. http://host:19530', 'Configs.uri');
  if (configs.host !== undefined && !/^[^\s/?#@]+$/.test(configs.host)) throw invalid('Configs.host must be a host name or address (no scheme, path or spaces)', 'Configs.host');
  if (configs.port !== undefined && !/^\d{1,5}$/.test(configs.port)) throw invalid('Configs.port must be a port number (1-65535)', 'Configs.port');
  if (configs.port !== undefined && (Number(configs.port) < 1 || Number(configs.port) > 65535)) throw invalid('Configs.port must be a port number (1-65535)', 'Configs.port');
}

function checkSecretsFollowDestinations(
  kind: ConnectionKind,
  before: Record<string, string>,
  after: Record<string, string>,
  held: Record<string, string>,
  given: Record<string, string>,
): void {
  for (const name of kind.destinations ?? []) {
    // Unset, the adapter calls the kind's default URL: that is where the secret went so far.
    const was = before[name] ?? kind.defaults?.[name];
    const now = after[name] ?? kind.defaults?.[name];
    if (was === now) continue;
    // A URL may change its path and stay in place; a host or port that changes (or a port set or
    // cleared, which moves from or to the usual one) is another place.
    const isUrl = (kind.urls ?? []).includes(name) || name === 'uri';
    if (isUrl && placeOf(was) !== undefined && placeOf(was) === placeOf(now)) continue;
    // A secret given anew (or removed with '') is the caller's decision; one only held is not sent on.
    const missing = Object.keys(held)
      .sort()
      .find((secret) => given[secret] === undefined);
    if (missing) throw invalid(`Secrets.${missing}: required again because Configs.${name} moves to another host`, `Secrets.${missing}`);
  }
}

/** scheme://host:port of a URL (default ports folded for http/https), or undefined when it has no host. */
function placeOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : undefined;
  } catch {
    return undefined;
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };
const RDS_PORTS: Record<string, number> = { mysql: 3306, mariadb: 3306, postgresql: 5432, postgres: 5432, pg: 5432, sqlserver: 1433 };

/** Where a vector store or database listens: from `uri`, or `host` + `port` (or the usual port). */
function addressOf(c: Connection): { host: string; port: number } | { missing: string } | undefined {
  const { configs } = c;
  if (configs.uri !== undefined) {
    const u = new URL(configs.uri);
    const port = u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol];
    if (!port) return { missing: 'Configs.uri names no port (and its scheme has no usual one): add :port' };
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port };
  }
  if (configs.host !== undefined) {
    const usual = c.connectionType === 'HologresConnection' ? 80 : RDS_PORTS[(configs.type ?? '').toLowerCase()];
    const port = configs.port !== undefined ? Number(configs.port) : usual;
    if (!port) return { missing: 'Configs.port is not set (and Configs.type names no database with a usual port)' };
    return { host: configs.host.replace(/^\[|\]$/g, ''), port };
  }
  return undefined;
}
