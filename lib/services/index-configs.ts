// The dataset's index config (PAI's "index library config"): embedding connection + vector
// connection + index name. Saving checks it as a SemanticIndex job would, and can start one
// ("save and refresh now").
import type { IndexConfig } from '../domain/dataset.js';
import { notFound } from '../domain/errors.js';
import type { DatasetJob, JobMode } from '../domain/job.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobSpecs } from './job-specs.js';
import type { JobService } from './jobs.js';

export interface IndexConfigInput {
  embeddingConnectionId: string;
  vectorConnectionId: string;
  indexName: string;
  modelName?: string;
}

export class IndexConfigService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly specs: JobSpecs,
    private readonly jobs: JobService,
  ) {}

  async get(datasetId: string): Promise<IndexConfig> {
    if (!(await this.deps.store.getDataset(datasetId))) throw notFound('Dataset', datasetId);
    const c = await this.deps.store.getIndexConfig(datasetId);
    if (!c) throw notFound('IndexConfig of dataset', datasetId);
    return c;
  }

  async put(
    datasetId: string,
    input: IndexConfigInput,
    refresh?: { versionName: string; jobMode: JobMode },
  ): Promise<{ config: IndexConfig; job?: DatasetJob }> {
    if (!(await this.deps.store.getDataset(datasetId))) throw notFound('Dataset', datasetId);
    // Checked exactly as a job would be: connection purposes, and an index already holding another model's vectors.
    await this.specs.resolve('SemanticIndex', datasetId, {
      embeddingConnectionId: input.embeddingConnectionId,
      databaseConnectionId: input.vectorConnectionId,
      databaseTableName: input.indexName,
      ...(input.modelName ? { embeddingModel: input.modelName } : {}),
    });
    const now = nowIso(this.deps);
    const before = await this.deps.store.getIndexConfig(datasetId);
    const config: IndexConfig = {
      datasetId,
      embeddingConnectionId: input.embeddingConnectionId,
      vectorConnectionId: input.vectorConnectionId,
      indexName: input.indexName,
      modelName: input.modelName ?? null,
      createTime: before?.createTime ?? now,
      updateTime: now,
    };
    await this.deps.store.putIndexConfig(config);
    const job = refresh
      ? await this.jobs.create({ datasetId, versionName: refresh.versionName, jobAction: 'SemanticIndex', jobMode: refresh.jobMode, description: 'index config saved: refresh now' })
      : undefined;
    return { config, job };
  }
}
