// Parses and freezes a job's JobSpec at creation: defaults filled in, ids checked, and what Increment
// compares against (tag definition version, embedder id, index) recorded, so a running job never
// changes meaning when a definition or config is edited.
import { CONNECTION_KINDS } from '../domain/connection.js';
import { conflict, invalid } from '../domain/errors.js';
import { FileMetaBuildSpec, IntelligentTagSpec, SemanticIndexSpec, type JobAction } from '../domain/job.js';
import type { ModelFactory } from '../ports/model-factory.js';
import type { VectorStores } from '../ports/vector-stores.js';
import type { ConnectionService } from './connections.js';
import type { ServiceDeps } from './deps.js';
import { resolveExportSpec } from './export.js';
import type { SearchService } from './search.js';
import type { TagDefinitionService } from './tag-definitions.js';

export class JobSpecs {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly connections: ConnectionService,
    private readonly tagDefinitions: TagDefinitionService,
    private readonly models: ModelFactory,
    private readonly vectorStores: VectorStores,
    private readonly search: SearchService,
  ) {}

  async resolve(action: JobAction, datasetId: string, raw: Record<string, unknown>, versionName = 'v1'): Promise<Record<string, unknown>> {
    switch (action) {
      case 'FileMetaBuild':
        return parse(FileMetaBuildSpec, raw);
      case 'IntelligentTag': {
        const spec = parse(IntelligentTagSpec, raw);
        await this.connectionFor(spec.connectionId, 'tagging', 'JobSpec.connectionId');
        const def = await this.tagDefinitions.get(spec.tagDefinitionId).catch(() => {
          throw invalid(`JobSpec.tagDefinitionId: tag definition '${spec.tagDefinitionId}' not found`, 'JobSpec.tagDefinitionId');
        });
        return { ...spec, tagDefinitionVersion: def.version };
      }
      case 'SemanticIndex': {
        const spec = parse(SemanticIndexSpec, raw);
        const config = await this.deps.store.getIndexConfig(datasetId);
        const embeddingConnectionId = spec.embeddingConnectionId ?? config?.embeddingConnectionId;
        const vectorConnectionId = spec.vectorConnectionId ?? config?.vectorConnectionId;
        const indexName = spec.indexName ?? config?.indexName;
        const modelName = spec.modelName ?? config?.modelName ?? undefined;
        if (!embeddingConnectionId || !vectorConnectionId || !indexName) {
          throw invalid('JobSpec: give embeddingConnectionId, vectorConnectionId and indexName, or save the dataset index config first', 'JobSpec');
        }
        const embedding = await this.connectionFor(embeddingConnectionId, 'embedding', 'JobSpec.embeddingConnectionId');
        const vector = await this.connectionFor(vectorConnectionId, 'vector', 'JobSpec.vectorConnectionId');
        const embedder = this.models.embedder(embedding, modelName);
        const index = await (await this.vectorStores.forConnection(vector)).getIndex(indexName);
        if (index && index.embedderId !== embedder.id) {
          throw conflict(
            `index '${indexName}' holds vectors of ${index.embedderId} (${index.dimension} dims); this job would embed with ${embedder.id}. ` +
              'Use another index name, or the same model.',
          );
        }
        return { ...spec, embeddingConnectionId, vectorConnectionId, indexName, ...(modelName ? { modelName } : {}), embedderId: embedder.id };
      }
      case 'FileMetaExport':
        return resolveExportSpec(this.deps, this.search, datasetId, versionName, raw);
      default:
        throw invalid(`JobAction '${action}' is not available yet`, 'JobAction');
    }
  }

  private async connectionFor(id: string, purpose: 'tagging' | 'embedding' | 'vector', field: string) {
    const resolved = await this.connections.resolve(id).catch((e: unknown) => {
      if ((e as { kind?: string })?.kind === 'NotFound') throw invalid(`${field}: connection '${id}' not found`, field);
      throw e;
    });
    const kind = CONNECTION_KINDS[resolved.connection.connectionType];
    if (kind?.purpose !== purpose) {
      throw invalid(`${field}: connection '${id}' is a ${resolved.connection.connectionType}, not a ${purpose} connection`, field);
    }
    return resolved;
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `JobSpec.${issue.path.map(String).join('.')}` : 'JobSpec';
    throw invalid(`${where}: ${issue.message}`, where);
  }
  return r.data;
}

