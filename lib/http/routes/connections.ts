// Routes: connections (model services, vector stores, databases) and ValidateConnection, as PAI's
// AIWorkSpace has them. Configs/Secrets keys per ConnectionType: lib/domain/connection.ts.
import { createRoute, z } from '@hono/zod-openapi';
import { ConnectionAccessibility, ConnectionType, type ConnectionModel, type ConnectionResourceMeta } from '../../domain/connection.js';
import { invalid } from '../../domain/errors.js';
import { requestedWorkspace, WorkspaceId } from '../../domain/workspace.js';
import { ConnectionDto, connectionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['Connections'];
const IdParam = z.object({ ConnectionId: z.string().min(1).max(64).openapi({ param: { name: 'ConnectionId', in: 'path' } }) });
// Values may be multi-line (a PEM certificate); names may not.
const Strings = z.record(lineText(128), freeText(4096));
const Models = z
  .array(
    z.object({
      Model: lineText(128, 1),
      ModelType: lineText(64).optional().openapi({ description: 'LLM, Embedding or ReRank' }),
      DisplayName: lineText(128).optional(),
      ToolCall: z.boolean().optional(),
      MaxModelLength: z.number().int().min(0).max(1e9).optional(),
      SupportReasoning: z.boolean().optional(),
      SupportResponseSchema: z.boolean().optional(),
      SupportVision: z.boolean().optional(),
    }),
  )
  .max(50);
const ResourceMeta = z.object({ InstanceId: lineText(256).optional(), InstanceName: lineText(256).optional(), Extra: freeText(4096).optional() });
const Description = freeText(1024);
const Workspace = WorkspaceId.optional().openapi({ description: "PAI's workspace: a request naming one sees only its resources" });

const models = (m: z.infer<typeof Models> | undefined): ConnectionModel[] | undefined =>
  m?.map((x) => ({
    model: x.Model,
    ...(x.ModelType ? { modelType: x.ModelType } : {}),
    ...(x.DisplayName !== undefined ? { displayName: x.DisplayName } : {}),
    ...(x.ToolCall !== undefined ? { toolCall: x.ToolCall } : {}),
    ...(x.MaxModelLength !== undefined ? { maxModelLength: x.MaxModelLength } : {}),
    ...(x.SupportReasoning !== undefined ? { supportReasoning: x.SupportReasoning } : {}),
    ...(x.SupportResponseSchema !== undefined ? { supportResponseSchema: x.SupportResponseSchema } : {}),
    ...(x.SupportVision !== undefined ? { supportVision: x.SupportVision } : {}),
  }));
const resourceMeta = (r: z.infer<typeof ResourceMeta> | undefined): ConnectionResourceMeta | undefined =>
  r && {
    ...(r.InstanceId !== undefined ? { instanceId: r.InstanceId } : {}),
    ...(r.InstanceName !== undefined ? { instanceName: r.InstanceName } : {}),
    ...(r.Extra !== undefined ? { extra: r.Extra } : {}),
  };

export const CreateConnectionRequest = z.object({
  ConnectionName: lineText(128, 1),
  ConnectionType,
  Configs: Strings.optional().openapi({ example: { base_url: 'https://dashscope.aliyuncs.com/compatible-mode/v1' } }),
  Secrets: Strings.optional().openapi({ example: { api_key: 'sk-…' } }),
  Models: Models.optional().openapi({ example: [{ Model: 'qwen-vl-max', ModelType: 'LLM' }] }),
  Description: Description.optional(),
  Accessibility: ConnectionAccessibility.optional().openapi({ description: 'PRIVATE (default) or PUBLIC' }),
  ResourceMeta: ResourceMeta.optional(),
  WorkspaceId: Workspace,
});
export const UpdateConnectionRequest = z.object({
  ConnectionName: lineText(128, 1).optional().openapi({ description: 'Loupe: renames the connection' }),
  Configs: Strings.optional(),
  Secrets: Strings.optional(),
  Models: Models.optional(),
  Description: Description.optional(),
  ResourceMeta: ResourceMeta.optional(),
  WorkspaceId: Workspace,
});

/** A list on a GET: comma-separated (as PAI's SDKs send it) or a JSON array of strings. */
const List = z
  .union([z.string().max(16_384), z.array(z.string().max(1024)).max(1000)])
  .optional()
  .openapi({ description: 'Comma-separated, or a JSON array of strings' });
function listOf(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v;
  const t = v.trim();
  if (t.startsWith('[')) {
    try {
      const parsed = JSON.parse(t) as unknown;
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed;
    } catch {
      // read as a comma list
    }
  }
  return t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
const Bool = z
  .union([z.boolean(), z.string().regex(/^(true|false)$/i, 'true or false')])
  .transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true'))
  .optional();

export const ListConnectionsQuery = z.object({
  ConnectionIds: List,
  ConnectionName: lineText(128).optional().openapi({ description: 'Part of the name (case-insensitive)' }),
  ConnectionTypes: List.openapi({ description: 'Any of these ConnectionTypes' }),
  ConnectionType: ConnectionType.optional().openapi({ description: "Loupe's older single-type filter (an alias of ConnectionTypes)" }),
  Model: lineText(128).optional().openapi({ description: 'Connections serving this model' }),
  ModelTypes: List.openapi({ description: 'Connections serving a model of one of these types' }),
  ToolCall: Bool.openapi({ description: 'Connections serving a model with (true) or without (false) tool calling' }),
  Accessibility: ConnectionAccessibility.optional(),
  Creator: z
    .string()
    .max(256)
    .optional()
    .openapi({ description: "Connections this principal created: an AccessKey ID, or an API key's apikey-<12 hex> (as GetConnection's Creator shows it)" }),
  EncryptOption: z.enum(['Secret', 'PlainText']).optional().openapi({ description: 'Secret (default): secret values masked. PlainText is refused: Loupe never returns secrets' }),
  SortBy: z.enum(['GmtCreateTime']).optional().openapi({ description: 'GmtCreateTime (the only one)' }),
  Order: z.enum(['ASC', 'DESC']).optional().openapi({ description: 'DESC (default) or ASC' }),
  MaxResults,
  NextToken,
  WorkspaceId: Workspace,
});
export const GetConnectionQuery = z.object({ EncryptOption: ListConnectionsQuery.shape.EncryptOption, WorkspaceId: Workspace });
export const DeleteConnectionQuery = z.object({ WorkspaceId: Workspace });

export const ValidateConnectionRequest = z.object({
  ConnectionId: z.string().min(1).max(64).optional().openapi({ description: 'A saved connection; or give ConnectionType with Configs and Secrets' }),
  ConnectionType: ConnectionType.optional(),
  Configs: Strings.optional(),
  Secrets: Strings.optional(),
  Models: Models.optional().openapi({ description: 'Loupe: the model to try for settings not saved (default: qwen-vl-max, as IntelligentTag)' }),
  ValidateType: z.enum(['Connectivity']).optional().openapi({ description: 'Connectivity (the default and only one)' }),
  WorkspaceId: Workspace,
});
export const ValidateConnectionResponse = z.object({
  Status: z.enum(['success', 'failed']),
  Code: z.string().optional().openapi({ description: 'When failed: the HTTP status the service answered, or what failed' }),
  Message: z.string(),
  Details: z.record(z.string(), z.string()),
  ...RequestIdField,
});

/** EncryptOption: Secret (masked values) is what Loupe does; PlainText is refused. */
function checkEncryptOption(v: 'Secret' | 'PlainText' | undefined): void {
  if (v === 'PlainText') throw invalid('EncryptOption=PlainText is not supported: Loupe never returns secret values (they are masked)', 'EncryptOption');
}

function typesOf(q: { ConnectionTypes?: string | string[]; ConnectionType?: ConnectionType }): ConnectionType[] | undefined {
  const plural = listOf(q.ConnectionTypes);
  if (plural !== undefined && q.ConnectionType !== undefined) {
    throw invalid('give ConnectionTypes or ConnectionType (its older single form), not both', 'ConnectionType');
  }
  if (q.ConnectionType !== undefined) return [q.ConnectionType];
  if (plural === undefined) return undefined;
  for (const t of plural) {
    if (!ConnectionType.safeParse(t).success) throw invalid(`ConnectionTypes: '${t}' is not a ConnectionType (known: ${ConnectionType.options.join(', ')})`, 'ConnectionTypes');
  }
  return plural as ConnectionType[];
}

export function connectionRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/connections',
      tags,
      summary: 'CreateConnection: Secrets are sealed (AES-256-GCM) and never returned',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: CreateConnectionRequest },
          },
        },
      },
      responses: { 200: jsonContent(z.object({ ConnectionId: z.string(), ...RequestIdField }), 'Created'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const conn = await d.connections.create({
        connectionName: b.ConnectionName,
        connectionType: b.ConnectionType,
        configs: b.Configs,
        secrets: b.Secrets,
        models: models(b.Models),
        description: b.Description,
        accessibility: b.Accessibility,
        resourceMeta: resourceMeta(b.ResourceMeta),
        workspaceId: requestedWorkspace(b.WorkspaceId),
        creator: c.get('principal'),
      });
      return c.json({ ConnectionId: conn.connectionId, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/connections',
      tags,
      summary: 'ListConnections, newest first (Order=ASC: oldest first); secret values masked',
      request: { query: ListConnectionsQuery },
      responses: {
        200: jsonContent(
          z.object({
            Connections: z.array(ConnectionDto),
            TotalCount: z.number().int(),
            MaxResults: z.number().int(),
            NextToken: z.string().optional(),
            ...RequestIdField,
          }),
          'A page of connections',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkEncryptOption(q.EncryptOption);
      const filter = {
        order: q.Order ?? ('DESC' as const),
        workspaceId: requestedWorkspace(q.WorkspaceId),
        connectionIds: listOf(q.ConnectionIds),
        types: typesOf(q),
        nameContains: q.ConnectionName || undefined,
        accessibility: q.Accessibility,
        model: q.Model || undefined,
        modelTypes: listOf(q.ModelTypes),
        toolCall: q.ToolCall,
        creator: q.Creator || undefined,
      };
      const page = await pageOf(c, d.pageTokens, { listing: 'ListConnections', query: q }, (nextToken) =>
        d.connections.list({ ...filter, maxResults: q.MaxResults, nextToken }),
      );
      return c.json(
        {
          Connections: page.items.map(connectionDto),
          TotalCount: page.totalCount,
          MaxResults: q.MaxResults,
          NextToken: page.nextToken,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  // Before /connections/{ConnectionId}: `validate` is no id.
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/connections/validate',
      tags,
      summary: 'ValidateConnection: a saved connection (ConnectionId) or settings not saved (ConnectionType, Configs, Secrets); really calls the service',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: ValidateConnectionRequest },
          },
        },
      },
      responses: { 200: jsonContent(ValidateConnectionResponse, 'The outcome: Status success or failed, with why'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const workspaceId = requestedWorkspace(b.WorkspaceId);
      let report;
      if (b.ConnectionId !== undefined) {
        const extra = (['ConnectionType', 'Configs', 'Secrets', 'Models'] as const).find((k) => b[k] !== undefined);
        if (extra) throw invalid(`give ConnectionId (a saved connection) or ConnectionType with Configs and Secrets, not both (${extra} given)`, extra);
        report = await d.connections.validate({ connectionId: b.ConnectionId, workspaceId });
      } else if (b.ConnectionType !== undefined) {
        report = await d.connections.validate({ connectionType: b.ConnectionType, configs: b.Configs, secrets: b.Secrets, models: models(b.Models) });
      } else {
        throw invalid('give ConnectionId (a saved connection), or ConnectionType with Configs and Secrets', 'ConnectionId');
      }
      return c.json(
        {
          Status: report.ok ? ('success' as const) : ('failed' as const),
          ...(report.ok ? {} : { Code: report.code ?? 'ValidationFailed' }),
          Message: report.message,
          Details: report.details,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/connections/{ConnectionId}',
      tags,
      summary: 'GetConnection: secret values masked',
      request: { params: IdParam, query: GetConnectionQuery },
      responses: { 200: jsonContent(ConnectionDto.extend(RequestIdField), 'The connection, without secret values'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      checkEncryptOption(q.EncryptOption);
      const conn = await d.connections.get(c.req.valid('param').ConnectionId, requestedWorkspace(q.WorkspaceId));
      return c.json({ ...connectionDto(conn), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/connections/{ConnectionId}',
      tags,
      summary: 'UpdateConnection: Configs merge; each given secret replaces (an empty string removes it)',
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            'application/json': { schema: UpdateConnectionRequest },
          },
        },
      },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      await d.connections.update(
        c.req.valid('param').ConnectionId,
        {
          connectionName: b.ConnectionName,
          configs: b.Configs,
          secrets: b.Secrets,
          models: models(b.Models),
          description: b.Description,
          resourceMeta: resourceMeta(b.ResourceMeta),
        },
        requestedWorkspace(b.WorkspaceId),
      );
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/connections/{ConnectionId}',
      tags,
      summary: 'DeleteConnection',
      request: { params: IdParam, query: DeleteConnectionQuery },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.connections.delete(c.req.valid('param').ConnectionId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
