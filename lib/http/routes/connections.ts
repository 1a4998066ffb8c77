// Routes: connections (model services, vector stores) and their validation.
import { createRoute, z } from '@hono/zod-openapi';
import { ConnectionType } from '../../domain/connection.js';
import { ConnectionDto, connectionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['Connections'];
const IdParam = z.object({ ConnectionId: z.string().min(1).max(64).openapi({ param: { name: 'ConnectionId', in: 'path' } }) });
// Values may be multi-line (a PEM certificate); names may not.
const Strings = z.record(lineText(128), freeText(4096));
const Models = z.array(z.object({ Model: lineText(128, 1), ModelType: lineText(64).optional() })).max(50);
const models = (m: z.infer<typeof Models> | undefined) => m?.map((x) => ({ model: x.Model, modelType: x.ModelType }));

export const CreateConnectionRequest = z.object({
  ConnectionName: lineText(128, 1),
  ConnectionType,
  Configs: Strings.optional().openapi({ example: { BaseUrl: 'https://dashscope.aliyuncs.com/compatible-mode/v1' } }),
  Secrets: Strings.optional().openapi({ example: { ApiKey: 'sk-…' } }),
  Models: Models.optional().openapi({ example: [{ Model: 'qwen-vl-max' }] }),
});
export const UpdateConnectionRequest = z.object({
  ConnectionName: lineText(128, 1).optional(),
  Configs: Strings.optional(),
  Secrets: Strings.optional(),
  Models: Models.optional(),
});
export const ListConnectionsQuery = z.object({ ConnectionType: ConnectionType.optional(), MaxResults, NextToken });

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
      });
      return c.json({ ConnectionId: conn.connectionId, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/connections',
      tags,
      summary: 'ListConnections, newest first',
      request: { query: ListConnectionsQuery },
      responses: {
        200: jsonContent(
          z.object({ Connections: z.array(ConnectionDto), TotalCount: z.number().int(), NextToken: z.string().optional(), ...RequestIdField }),
          'A page of connections',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await pageOf(c, d.pageTokens, { listing: 'ListConnections', query: q }, (nextToken) =>
        d.connections.list({ type: q.ConnectionType, maxResults: q.MaxResults, nextToken }),
      );
      return c.json({ Connections: page.items.map(connectionDto), TotalCount: page.totalCount, NextToken: page.nextToken, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/connections/{ConnectionId}',
      tags,
      summary: 'GetConnection',
      request: { params: IdParam },
      responses: { 200: jsonContent(ConnectionDto.extend(RequestIdField), 'The connection, without secret values'), ...errorResponses },
    }),
    async (c) => c.json({ ...connectionDto(await d.connections.get(c.req.valid('param').ConnectionId)), RequestId: c.get('requestId') }, 200),
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
      await d.connections.update(c.req.valid('param').ConnectionId, {
        connectionName: b.ConnectionName,
        configs: b.Configs,
        secrets: b.Secrets,
        models: models(b.Models),
      });
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/connections/{ConnectionId}',
      tags,
      summary: 'DeleteConnection',
      request: { params: IdParam },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.connections.delete(c.req.valid('param').ConnectionId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/connections/{ConnectionId}/action/validate',
      tags,
      summary: 'ValidateConnection: really calls the service with a minimal request and reports what failed',
      request: { params: IdParam },
      responses: { 200: jsonContent(z.object({ Valid: z.boolean(), Message: z.string(), ...RequestIdField }), 'The outcome'), ...errorResponses },
    }),
    async (c) => {
      const r = await d.connections.validate(c.req.valid('param').ConnectionId);
      return c.json({ Valid: r.ok, Message: r.message, RequestId: c.get('requestId') }, 200);
    },
  );
}
