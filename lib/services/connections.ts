// Use cases of connections: model services and vector stores. Secrets are sealed at rest, opened
// only to make a call, and never returned, logged or put in an error.
import { CONNECTION_KINDS, type Connection, type ConnectionKind, type ConnectionType } from '../domain/connection.js';
import { invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Page } from '../ports/meta-store.js';
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
}

export interface ValidationReport {
  ok: boolean;
  /** What was called and what came back, without secrets. */
  message: string;
}

export class ConnectionService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly secretBox: SecretBox,
    private readonly models: ModelFactory,
  ) {}

  async create(input: ConnectionInput): Promise<Connection> {
    const kind = kindOf(input.connectionType);
    const configs = { ...(kind.defaults ?? {}), ...(input.configs ?? {}) };
    const secrets = input.secrets ?? {};
    checkFields(kind, configs, secrets);
    const now = nowIso(this.deps);
    const connection: Connection = {
      connectionId: newId('conn'),
      connectionName: input.connectionName,
      connectionType: input.connectionType,
      configs,
      secretNames: Object.keys(secrets).sort(),
      models: input.models ?? [],
      createTime: now,
      updateTime: now,
    };
    await this.deps.store.createConnection(connection, this.secretBox.seal(JSON.stringify(secrets)));
    this.deps.log.info('connection created', { connectionId: connection.connectionId, type: connection.connectionType });
    return connection;
  }

  async get(id: string): Promise<Connection> {
    const c = await this.deps.store.getConnection(id);
    if (!c) throw notFound('Connection', id);
    return c.connection;
  }

  list(q: { type?: ConnectionType; maxResults: number; nextToken?: string }): Promise<Page<Connection>> {
    return this.deps.store.listConnections(q);
  }

  /**
   * Configs merge; each given secret replaces (an empty string removes it). The type cannot change.
   * A secret never follows its URL to another origin: moving BaseUrl/Endpoint to another scheme, host
   * or port needs every held secret given again in the same request (400 naming the first one missing),
   * so nothing is silently sent to, or silently dropped for, a new host.
   */
  async update(
    id: string,
    patch: { connectionName?: string; configs?: Record<string, string>; secrets?: Record<string, string>; models?: Connection['models'] },
  ): Promise<Connection> {
    const { connection, secrets } = await this.resolve(id);
    const kind = kindOf(connection.connectionType);
    const configs = { ...connection.configs, ...(patch.configs ?? {}) };
    const merged = { ...secrets };
    for (const [k, v] of Object.entries(patch.secrets ?? {})) {
      if (v === '') delete merged[k];
      else merged[k] = v;
    }
    checkFields(kind, configs, merged);
    checkSecretsFollowUrls(kind, connection.configs, configs, secrets, patch.secrets ?? {});
    const updated: Connection = {
      ...connection,
      connectionName: patch.connectionName ?? connection.connectionName,
      configs,
      secretNames: Object.keys(merged).sort(),
      models: patch.models ?? connection.models,
      updateTime: nowIso(this.deps),
    };
    await this.deps.store.updateConnection(updated, this.secretBox.seal(JSON.stringify(merged)));
    return updated;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.deps.store.deleteConnection(id);
  }

  /** The connection with its secrets opened, for the code that calls the service. */
  async resolve(id: string): Promise<ResolvedConnection> {
    const c = await this.deps.store.getConnection(id);
    if (!c) throw notFound('Connection', id);
    return { connection: c.connection, secrets: JSON.parse(this.secretBox.open(c.sealedSecrets)) as Record<string, string> };
  }

  /**
   * Really calls the service with a minimal request and reports what failed: the HTTP status or
   * network error and a fixed reason. The model adapters never pass on what the service wrote, and
   * every message leaves them through their redactor (every form of every secret they were given).
   */
  async validate(id: string): Promise<ValidationReport> {
    const resolved = await this.resolve(id);
    const kind = kindOf(resolved.connection.connectionType);
    try {
      if (kind.purpose === 'tagging') {
        const model = resolved.connection.models[0]?.model ?? 'qwen-vl-plus';
        const r = await this.models.tagger(resolved).tag({
          image: { data: await solidPng(), mime: 'image/png' },
          definition: { guidePrompt: 'Connection check.', tags: [{ name: 'image', description: 'the input is an image', values: undefined }] },
          model,
        });
        return { ok: true, message: `${model} answered with valid JSON (${r.tags.length} tags)` };
      }
      if (kind.purpose === 'embedding') {
        const embedder = this.models.embedder(resolved);
        const [out] = await embedder.embed([{ kind: 'image', data: await solidPng(), mime: 'image/png' }]);
        if (!out?.ok) return { ok: false, message: `the service refused the test image: ${out?.error ?? 'no result'}` };
        return { ok: true, message: `${embedder.id} returned a ${out.vector.length}-dimensional vector` };
      }
      return { ok: true, message: 'the local vector store needs no service' };
    } catch (e) {
      // A model error's message already names the HTTP status or network error.
      return { ok: false, message: isModelError(e) ? `${e.kind} error: ${e.message}` : e instanceof Error ? e.message : String(e) };
    }
  }
}

function kindOf(type: ConnectionType): ConnectionKind {
  const kind = CONNECTION_KINDS[type];
  if (!kind) {
    const available = Object.keys(CONNECTION_KINDS).join(', ');
    throw invalid(`ConnectionType '${type}' is not available yet (available: ${available})`, 'ConnectionType');
  }
  return kind;
}

/** The configs that say where a connection's secrets are sent. */
const URL_CONFIGS = ['BaseUrl', 'Endpoint'] as const;

function checkFields(kind: ConnectionKind, configs: Record<string, string>, secrets: Record<string, string>): void {
  for (const [where, fields, given] of [
    ['Configs', kind.configs, configs],
    ['Secrets', kind.secrets, secrets],
  ] as const) {
    for (const name of fields.required) {
      if (!given[name]) throw invalid(`${where}.${name} is required for this ConnectionType`, `${where}.${name}`);
    }
    const known = new Set([...fields.required, ...fields.optional]);
    for (const name of Object.keys(given)) {
      if (!known.has(name)) throw invalid(`${where}.${name} is not a field of this ConnectionType (known: ${[...known].join(', ') || 'none'})`, `${where}.${name}`);
    }
  }
  for (const name of URL_CONFIGS) {
    const url = configs[name];
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw invalid(`Configs.${name} must be an http(s) URL`, `Configs.${name}`);
  }
}

function checkSecretsFollowUrls(
  kind: ConnectionKind,
  before: Record<string, string>,
  after: Record<string, string>,
  held: Record<string, string>,
  given: Record<string, string>,
): void {
  for (const name of URL_CONFIGS) {
    // Unset, the adapter calls the kind's default URL: that is where the secret went so far.
    const was = before[name] ?? kind.defaults?.[name];
    const now = after[name] ?? kind.defaults?.[name];
    if (was === undefined || was === now || originOf(was) === originOf(now)) continue;
    // A secret given anew (or removed with '') is the caller's decision; one only held is not sent on.
    const missing = Object.keys(held)
      .sort()
      .find((secret) => given[secret] === undefined);
    if (missing) throw invalid(`Secrets.${missing}: required again because Configs.${name} moves to another host`, `Secrets.${missing}`);
  }
}

/** scheme://host:port of a URL (default ports folded), or undefined when it does not parse. */
function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
