// Use cases of tag definitions: a guide prompt and the tags a model should produce. Every edit
// raises the version, so Increment tagging can find files tagged with an older definition. PAI's
// Prompts are tag definitions (PromptId = TagDefinitionId): lib/http/routes/prompts.ts.
import type { ConnectionAccessibility, TagDefinition } from '../domain/connection.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { visibleIn } from '../domain/workspace.js';
import type { Page, TagDefinitionPageQuery } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';

export type TagDefinitionInput = Pick<TagDefinition, 'name' | 'guidePrompt' | 'tags'> & {
  description?: string;
  accessibility?: ConnectionAccessibility;
  frameworkType?: string;
  workspaceId?: string;
};

export type TagDefinitionPatch = Partial<Pick<TagDefinition, 'name' | 'guidePrompt' | 'tags' | 'description' | 'frameworkType'>>;

export class TagDefinitionService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(input: TagDefinitionInput): Promise<TagDefinition> {
    checkTags(input.tags);
    const now = nowIso(this.deps);
    const t: TagDefinition = {
      tagDefinitionId: newId('tagdef'),
      name: input.name,
      guidePrompt: input.guidePrompt,
      tags: input.tags,
      version: 1,
      description: input.description ?? '',
      accessibility: input.accessibility ?? 'PRIVATE',
      frameworkType: input.frameworkType ?? '',
      workspaceId: input.workspaceId ?? '',
      createTime: now,
      updateTime: now,
    };
    await this.deps.store.createTagDefinition(t);
    return t;
  }

  /** `workspaceId`: the workspace the request named (lib/domain/workspace.ts); another's is not found. */
  async get(id: string, workspaceId?: string): Promise<TagDefinition> {
    const t = await this.deps.store.getTagDefinition(id);
    if (!t || !visibleIn(t.workspaceId, workspaceId)) throw notFound('TagDefinition', id);
    return t;
  }

  list(q: { maxResults: number; nextToken?: string; workspaceId?: string }): Promise<Page<TagDefinition>> {
    return this.deps.store.listTagDefinitions(q);
  }

  listByPage(q: TagDefinitionPageQuery): Promise<Page<TagDefinition>> {
    return this.deps.store.listTagDefinitionsByPage(q);
  }

  /** `expectedVersion`, when given, must be the current one (optimistic concurrency). */
  async update(id: string, patch: TagDefinitionPatch, expectedVersion?: number, workspaceId?: string): Promise<TagDefinition> {
    const current = await this.get(id, workspaceId);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw conflict(`tag definition ${id} is at version ${current.version}, not ${expectedVersion}`);
    }
    if (patch.tags) checkTags(patch.tags);
    const next: TagDefinition = {
      ...current,
      name: patch.name ?? current.name,
      guidePrompt: patch.guidePrompt ?? current.guidePrompt,
      tags: patch.tags ?? current.tags,
      description: patch.description ?? current.description,
      frameworkType: patch.frameworkType ?? current.frameworkType,
      version: current.version + 1,
      updateTime: nowIso(this.deps),
    };
    if (!(await this.deps.store.updateTagDefinition(next, current.version))) throw conflict(`tag definition ${id} changed meanwhile; read it again`);
    return next;
  }

  async delete(id: string, workspaceId?: string): Promise<void> {
    await this.get(id, workspaceId);
    await this.deps.store.deleteTagDefinition(id);
  }
}

/** `field` prefixes the wire path of Tags (`Tags`, or `FrameworkContent.Tags` for a prompt). */
export function checkTags(tags: TagDefinition['tags'], field = 'Tags'): void {
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    if (seen.has(t.name)) throw invalid(`${field}[${i}].Name '${t.name}' appears twice`, `${field}.${i}.Name`);
    seen.add(t.name);
    if (t.values && new Set(t.values).size !== t.values.length) throw invalid(`${field}[${i}].Values has duplicates`, `${field}.${i}.Values`);
  });
}
