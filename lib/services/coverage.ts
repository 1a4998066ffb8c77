// Index coverage: for tags (against a tag definition's current version) and for vectors (against the
// dataset's index config), how many files are up to date, stale, failed or never done — what an
// Increment run would process, before starting it.
import { notFound } from '../domain/errors.js';
import type { CoverageCounts } from '../ports/meta-store.js';
import type { ServiceDeps } from './deps.js';
import type { JobSpecs } from './job-specs.js';

export interface Coverage {
  tags?: CoverageCounts & { tagDefinitionId: string; tagDefinitionVersion: number; model?: string };
  vectors?: CoverageCounts & { indexName: string; embedderId: string };
}

export class CoverageService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly specs: JobSpecs,
  ) {}

  async of(datasetId: string, versionName: string, tags?: { tagDefinitionId: string; model?: string }): Promise<Coverage> {
    if (!(await this.deps.store.getDataset(datasetId))) throw notFound('Dataset', datasetId);
    if (!(await this.deps.store.hasVersion(datasetId, versionName))) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
    const out: Coverage = {};
    if (tags) {
      const def = await this.deps.store.getTagDefinition(tags.tagDefinitionId);
      if (!def) throw notFound('TagDefinition', tags.tagDefinitionId);
      const counts = await this.deps.store.coverage(datasetId, versionName, { kind: 'tags', tagDefinitionId: def.tagDefinitionId, tagDefinitionVersion: def.version, model: tags.model });
      out.tags = { ...counts, tagDefinitionId: def.tagDefinitionId, tagDefinitionVersion: def.version, ...(tags.model ? { model: tags.model } : {}) };
    }
    if (await this.deps.store.getIndexConfig(datasetId)) {
      const spec = await this.specs.resolve('SemanticIndex', datasetId, {});
      const target = { embedderId: String(spec.embedderId), indexName: String(spec.databaseTableName) };
      out.vectors = { ...(await this.deps.store.coverage(datasetId, versionName, { kind: 'vectors', ...target })), ...target };
    }
    return out;
  }
}
