// Use cases of tag definitions: a guide prompt and the tags a model should produce. Every edit
// raises the version, so Increment tagging can find files tagged with an older definition.
import type { TagDefinition } from '../domain/connection.js';
import { conflict, invalid, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Page } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';

export type TagDefinitionInput = Pick<TagDefinition, 'name' | 'guidePrompt' | 'tags'>;

export class TagDefinitionService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(input: TagDefinitionInput): Promise<TagDefinition> {
    checkTags(input.tags);
    const now = nowIso(this.deps);
    const t: TagDefinition = { tagDefinitionId: newId('tagdef'), ...input, version: 1, createTime: now, updateTime: now };
    await this.deps.store.createTagDefinition(t);
    return t;
  }

  async get(id: string): Promise<TagDefinition> {
    const t = await this.deps.store.getTagDefinition(id);
    if (!t) throw notFound('TagDefinition', id);
    return t;
  }

  list(q: { maxResults: number; nextToken?: string }): Promise<Page<TagDefinition>> {
    return this.deps.store.listTagDefinitions(q);
  }

  /** `expectedVersion`, when given, must be the current one (optimistic concurrency). */
  async update(id: string, patch: Partial<TagDefinitionInput>, expectedVersion?: number): Promise<TagDefinition> {
    const current = await this.get(id);
    if (expectedVersion !== undefined && expectedVersion !== current.version) {
      throw conflict(`tag definition ${id} is at version ${current.version}, not ${expectedVersion}`);
    }
    if (patch.tags) checkTags(patch.tags);
    const next: TagDefinition = {
      ...current,
      name: patch.name ?? current.name,
      guidePrompt: patch.guidePrompt ?? current.guidePrompt,
      tags: patch.tags ?? current.tags,
      version: current.version + 1,
      updateTime: nowIso(this.deps),
    };
    if (!(await this.deps.store.updateTagDefinition(next, current.version))) throw conflict(`tag definition ${id} changed meanwhile; read it again`);
    return next;
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.deps.store.deleteTagDefinition(id);
  }
}

function checkTags(tags: TagDefinition['tags']): void {
  const seen = new Set<string>();
  tags.forEach((t, i) => {
    if (seen.has(t.name)) throw invalid(`Tags[${i}].Name '${t.name}' appears twice`, `Tags.${i}.Name`);
    seen.add(t.name);
    if (t.values && new Set(t.values).size !== t.values.length) throw invalid(`Tags[${i}].Values has duplicates`, `Tags.${i}.Values`);
  });
}
