// Routes: PAI's Prompt operations (CreatePrompt, GetPrompt, ListPrompts, UpdatePrompt, DeletePrompt)
// over Loupe's tag definitions. A Prompt IS a tag definition: PromptId = TagDefinitionId (so an
// IntelligentTag JobSpec's promptId names one), PromptName = Name, and FrameworkContent is the JSON
// document {"GuidePrompt": "…", "Tags": [{"Name": "…", "Description": "…", "Values": ["…"]}]} that
// the tagger prompts the model with. Every edit of the content raises the definition's Version.
import { createRoute, z } from '@hono/zod-openapi';
import { ConnectionAccessibility } from '../../domain/connection.js';
import { invalid, notFound } from '../../domain/errors.js';
import { requestedWorkspace, WorkspaceId } from '../../domain/workspace.js';
import { checkTags } from '../../services/tag-definitions.js';
import { PromptDto, promptDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';
import { Items, items } from './tag-definitions.js';

const tags = ['Prompts'];
const IdParam = z.object({ PromptId: z.string().min(1).max(64).openapi({ param: { name: 'PromptId', in: 'path' } }) });
const Workspace = WorkspaceId.optional().openapi({ description: "PAI's workspace: a request naming one sees only its resources" });
const WorkspaceQuery = z.object({ WorkspaceId: Workspace });
const FrameworkType = lineText(64).openapi({ description: "PAI's prompt template type: stored, returned and filtered on" });
const FrameworkContent = z
  .string()
  .max(64 * 1024)
  .openapi({
    description: 'A JSON document: {"GuidePrompt": "…", "Tags": [{"Name": "weather", "Description": "…", "Values": ["sunny", "rainy"]}]} (camelCase keys are read too)',
    example: JSON.stringify({ GuidePrompt: 'You label road photos.', Tags: [{ Name: 'weather', Description: 'the weather', Values: ['sunny', 'rainy'] }] }),
  });

/** The largest window ListPrompts pages through (PageNumber × PageSize): a page is never an unbounded scan. */
export const MAX_PROMPT_WINDOW = 10_000;

export const CreatePromptRequest = z.object({
  PromptName: lineText(128, 1),
  FrameworkContent: FrameworkContent.optional(),
  FrameworkType: FrameworkType.optional(),
  Description: freeText(1024).optional(),
  Accessibility: ConnectionAccessibility.optional().openapi({ description: 'PRIVATE (default) or PUBLIC' }),
  WorkspaceId: Workspace,
});
export const UpdatePromptRequest = z.object({
  PromptName: lineText(128, 1).optional().openapi({ description: 'Loupe: renames the prompt' }),
  FrameworkContent: FrameworkContent.optional(),
  FrameworkType: FrameworkType.optional(),
  Description: freeText(1024).optional(),
  WorkspaceId: Workspace,
});
export const ListPromptsQuery = z.object({
  FrameworkType: FrameworkType.optional(),
  PageNumber: z.coerce.number().int().min(1).default(1).openapi({ description: 'From 1 (default 1)' }),
  PageSize: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: '1..100, default 20' }),
  SortBy: z.enum(['GmtCreateTime', 'Name']).optional().openapi({ description: 'GmtCreateTime (default) or Name' }),
  Order: z.enum(['ASC', 'DESC']).optional().openapi({ description: 'ASC (default) or DESC' }),
  WorkspaceId: Workspace,
});

/** PascalCase and camelCase spellings of the document's keys. */
const KEYS: Record<string, string> = { guidePrompt: 'GuidePrompt', tags: 'Tags', name: 'Name', description: 'Description', values: 'Values' };
const ContentDoc = z.object({ GuidePrompt: freeText(8192).default(''), Tags: Items }).strict();

function pascal(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pascal);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [KEYS[k] ?? k, k === 'values' || k === 'Values' ? x : pascal(x)]));
}

/** FrameworkContent read as a tag definition's guide prompt and tags; a 400 naming what is wrong. */
export function tagDefinitionOfContent(text: string): { guidePrompt: string; tags: ReturnType<typeof items> } {
  const shape = 'FrameworkContent must be a JSON document {"GuidePrompt": "…", "Tags": [{"Name": "…", "Description": "…", "Values": ["…"]}]}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`${shape}; this is not JSON`, 'FrameworkContent');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`${shape}; this is not a JSON object`, 'FrameworkContent');
  const r = ContentDoc.safeParse(pascal(parsed));
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = ['FrameworkContent', ...issue.path.map(String)].join('.');
    throw invalid(`${where}: ${issue.message} (${shape})`, where);
  }
  const tagItems = items(r.data.Tags);
  checkTags(tagItems, 'FrameworkContent.Tags');
  return { guidePrompt: r.data.GuidePrompt, tags: tagItems };
}


export function promptRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/prompts',
      tags,
      summary: 'CreatePrompt: a tag definition (PromptId = TagDefinitionId) from FrameworkContent',
      request: { body: { required: true, content: { 'application/json': { schema: CreatePromptRequest } } } },
      responses: { 200: jsonContent(z.object({ PromptId: z.string(), ...RequestIdField }), 'Created'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      if (b.FrameworkContent === undefined) throw invalid('FrameworkContent is required: the guide prompt and the tags to produce, as JSON', 'FrameworkContent');
      const content = tagDefinitionOfContent(b.FrameworkContent);
      const t = await d.tagDefinitions.create({
        name: b.PromptName,
        ...content,
        description: b.Description,
        accessibility: b.Accessibility,
        frameworkType: b.FrameworkType,
        workspaceId: requestedWorkspace(b.WorkspaceId),
      });
      return c.json({ PromptId: t.tagDefinitionId, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/prompts',
      tags,
      summary: 'ListPrompts: by PageNumber/PageSize, oldest first unless Order=DESC',
      request: { query: ListPromptsQuery },
      responses: {
        200: jsonContent(z.object({ Prompts: z.array(PromptDto), TotalCount: z.number().int(), ...RequestIdField }), 'A page of prompts'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.PageNumber * q.PageSize > MAX_PROMPT_WINDOW) {
        throw invalid(`PageNumber × PageSize must be at most ${MAX_PROMPT_WINDOW} (a page further than that is not served)`, 'PageNumber');
      }
      const page = await d.tagDefinitions.listByPage({
        workspaceId: requestedWorkspace(q.WorkspaceId),
        frameworkType: q.FrameworkType || undefined,
        sortBy: q.SortBy === 'Name' ? 'name' : 'createTime',
        order: q.Order ?? 'ASC',
        offset: (q.PageNumber - 1) * q.PageSize,
        limit: q.PageSize,
      });
      return c.json({ Prompts: page.items.map(promptDto), TotalCount: page.totalCount, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/prompts/{PromptId}',
      tags,
      summary: 'GetPrompt',
      request: { params: IdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(PromptDto.extend(RequestIdField), 'The prompt'), ...errorResponses },
    }),
    async (c) => {
      const t = await prompt(d, c.req.valid('param').PromptId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ ...promptDto(t), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/prompts/{PromptId}',
      tags,
      summary: 'UpdatePrompt: a new FrameworkContent raises the tag definition Version',
      request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: UpdatePromptRequest } } } },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const id = c.req.valid('param').PromptId;
      const workspaceId = requestedWorkspace(b.WorkspaceId);
      await prompt(d, id, workspaceId);
      const content = b.FrameworkContent !== undefined ? tagDefinitionOfContent(b.FrameworkContent) : {};
      await d.tagDefinitions.update(id, { name: b.PromptName, ...content, description: b.Description, frameworkType: b.FrameworkType }, undefined, workspaceId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/prompts/{PromptId}',
      tags,
      summary: 'DeletePrompt (the tag definition)',
      request: { params: IdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      const id = c.req.valid('param').PromptId;
      const workspaceId = requestedWorkspace(c.req.valid('query').WorkspaceId);
      await prompt(d, id, workspaceId);
      await d.tagDefinitions.delete(id, workspaceId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}

/** The tag definition behind a PromptId; a 404 that says Prompt. */
async function prompt(d: ApiDeps, id: string, workspaceId: string | undefined) {
  try {
    return await d.tagDefinitions.get(id, workspaceId);
  } catch (e) {
    throw (e as { kind?: string }).kind === 'NotFound' ? notFound('Prompt', id) : e;
  }
}
