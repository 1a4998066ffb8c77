// Routes: tag definitions (a guide prompt and the tags a model should produce), versioned.
import { createRoute, z } from '@hono/zod-openapi';
import { TagDefinitionDto, TagDefinitionItemDto, tagDefinitionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['TagDefinitions'];
const IdParam = z.object({ TagDefinitionId: z.string().min(1).max(64).openapi({ param: { name: 'TagDefinitionId', in: 'path' } }) });
const Item = TagDefinitionItemDto.extend({
  Name: lineText(128, 1),
  Description: freeText(2048).default(''),
  Values: z.array(lineText(128, 1)).min(1).max(200).optional().openapi({ description: 'A closed list of values; absent: a free tag' }),
});
const Items = z.array(Item).min(1).max(200);
const items = (x: z.infer<typeof Items>) => x.map((t) => ({ name: t.Name, description: t.Description, values: t.Values }));

export const CreateTagDefinitionRequest = z.object({
  Name: lineText(128, 1),
  GuidePrompt: freeText(8192).default(''),
  Tags: Items.openapi({ example: [{ Name: 'weather', Description: 'the weather', Values: ['sunny', 'rainy', 'snowy'] }, { Name: 'lane line', Description: 'lane markings are visible' }] }),
});
export const UpdateTagDefinitionRequest = z.object({
  Name: lineText(128, 1).optional(),
  GuidePrompt: freeText(8192).optional(),
  Tags: Items.optional(),
  Version: z.number().int().positive().optional().openapi({ description: 'The version this edit is based on' }),
});
export const ListTagDefinitionsQuery = z.object({ MaxResults, NextToken });

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
      const t = await d.tagDefinitions.create({ name: b.Name, guidePrompt: b.GuidePrompt, tags: items(b.Tags) });
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
        d.tagDefinitions.list({ maxResults: q.MaxResults, nextToken }),
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
      request: { params: IdParam },
      responses: { 200: jsonContent(TagDefinitionDto.extend(RequestIdField), 'The tag definition'), ...errorResponses },
    }),
    async (c) => c.json({ ...tagDefinitionDto(await d.tagDefinitions.get(c.req.valid('param').TagDefinitionId)), RequestId: c.get('requestId') }, 200),
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
        { name: b.Name, guidePrompt: b.GuidePrompt, tags: b.Tags ? items(b.Tags) : undefined },
        b.Version,
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
      request: { params: IdParam },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.tagDefinitions.delete(c.req.valid('param').TagDefinitionId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
