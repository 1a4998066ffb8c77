// Routes: tag definitions (a guide prompt and the tags a model should produce), versioned. PAI's
// Prompt operations serve the same resource (prompts.ts).
import { createRoute, z } from '@hono/zod-openapi';
import { ConnectionAccessibility } from '../../domain/connection.js';
import { requestedWorkspace, WorkspaceId } from '../../domain/workspace.js';
import { TagDefinitionDto, TagDefinitionItemDto, tagDefinitionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['TagDefinitions'];
const IdParam = z.object({ TagDefinitionId: z.string().min(1).max(64).openapi({ param: { name: 'TagDefinitionId', in: 'path' } }) });
export const Item = TagDefinitionItemDto.extend({
  Name: lineText(128, 1),
  Description: freeText(2048).default(''),
  Values: z.array(lineText(128, 1)).min(1).max(200).optional().openapi({ description: 'A closed list of values; absent: a free tag' }),
});
export const Items = z.array(Item).min(1).max(200);
export const items = (x: z.infer<typeof Items>) => x.map((t) => ({ name: t.Name, description: t.Description, values: t.Values }));
const Workspace = WorkspaceId.optional().openapi({ description: "PAI's workspace: a request naming one sees only its resources" });
const WorkspaceQuery = z.object({ WorkspaceId: Workspace });

export const CreateTagDefinitionRequest = z.object({
  Name: lineText(128, 1),
  GuidePrompt: freeText(8192).default(''),
  Tags: Items.openapi({ example: [{ Name: 'weather', Description: 'the weather', Values: ['sunny', 'rainy', 'snowy'] }, { Name: 'lane line', Description: 'lane markings are visible' }] }),
  Description: freeText(1024).optional(),
  Accessibility: ConnectionAccessibility.optional().openapi({ description: 'PRIVATE (default) or PUBLIC' }),
  WorkspaceId: Workspace,
});
export const UpdateTagDefinitionRequest = z.object({
  Name: lineText(128, 1).optional(),
  GuidePrompt: freeText(8192).optional(),
  Tags: Items.optional(),
  Version: z.number().int().positive().optional().openapi({ description: 'The version this edit is based on' }),
  Description: freeText(1024).optional(),
  WorkspaceId: Workspace,
});
export const ListTagDefinitionsQuery = z.object({ MaxResults, NextToken, WorkspaceId: Workspace });

export function tagDefinitionRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/tagdefinitions',
      tags,
      summary: 'CreateTagDefinition',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: CreateTagDefinitionRequest },
          },
        },
      },
      responses: { 200: jsonContent(z.object({ TagDefinitionId: z.string(), Version: z.number().int(), ...RequestIdField }), 'Created'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const t = await d.tagDefinitions.create({
        name: b.Name,
        guidePrompt: b.GuidePrompt,
        tags: items(b.Tags),
        description: b.Description,
        accessibility: b.Accessibility,
        workspaceId: requestedWorkspace(b.WorkspaceId),
      });
      return c.json({ TagDefinitionId: t.tagDefinitionId, Version: t.version, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/tagdefinitions',
      tags,
      summary: 'ListTagDefinitions, newest first',
      request: { query: ListTagDefinitionsQuery },
      responses: {
        200: jsonContent(
          z.object({ TagDefinitions: z.array(TagDefinitionDto), TotalCount: z.number().int(), NextToken: z.string().optional(), ...RequestIdField }),
          'A page of tag definitions',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await pageOf(c, d.pageTokens, { listing: 'ListTagDefinitions', query: q }, (nextToken) =>
        d.tagDefinitions.list({ maxResults: q.MaxResults, nextToken, workspaceId: requestedWorkspace(q.WorkspaceId) }),
      );
      return c.json({ TagDefinitions: page.items.map(tagDefinitionDto), TotalCount: page.totalCount, NextToken: page.nextToken, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/tagdefinitions/{TagDefinitionId}',
      tags,
      summary: 'GetTagDefinition',
      request: { params: IdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(TagDefinitionDto.extend(RequestIdField), 'The tag definition'), ...errorResponses },
    }),
    async (c) => {
      const t = await d.tagDefinitions.get(c.req.valid('param').TagDefinitionId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ ...tagDefinitionDto(t), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/tagdefinitions/{TagDefinitionId}',
      tags,
      summary: 'UpdateTagDefinition: every edit raises Version; pass Version to refuse a stale edit (409)',
      request: {
        params: IdParam,
        body: {
          required: true,
          content: {
            'application/json': { schema: UpdateTagDefinitionRequest },
          },
        },
      },
      responses: { 200: jsonContent(z.object({ Version: z.number().int(), ...RequestIdField }), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const t = await d.tagDefinitions.update(
        c.req.valid('param').TagDefinitionId,
        { name: b.Name, guidePrompt: b.GuidePrompt, tags: b.Tags ? items(b.Tags) : undefined, description: b.Description },
        b.Version,
        requestedWorkspace(b.WorkspaceId),
      );
      return c.json({ Version: t.version, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/tagdefinitions/{TagDefinitionId}',
      tags,
      summary: 'DeleteTagDefinition',
      request: { params: IdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.tagDefinitions.delete(c.req.valid('param').TagDefinitionId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
