// Use cases of datasets and their versions. Registering a URI records it; nothing is copied.
import type { Dataset, DatasetEdition, DatasetVersion } from '../domain/dataset.js';
import { conflict, invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { LogicalChange, LogicalRef } from '../domain/logical.js';
import type { Page } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';

export interface CreateDatasetInput {
  name: string;
  description?: string;
  edition?: DatasetEdition;
  /** Required for ADVANCED; a LOGICAL dataset has no storage of its own. */
  uri?: string;
  versionDescription?: string;
}

export class DatasetService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Creates a dataset and its first version `v1` over the same URI. A LOGICAL dataset has no URI and
   * no version yet: each export into it makes the next one.
   */
  async create(input: CreateDatasetInput): Promise<Dataset> {
    const edition = input.edition ?? 'ADVANCED';
    if (edition === 'LOGICAL' && input.uri) throw invalid('a LOGICAL dataset has no storage URI: its versions are made by exports', 'Uri');
    if (edition === 'ADVANCED' && !input.uri) throw invalid('Uri: required (the storage folder of the dataset)', 'Uri');
    const uri = edition === 'ADVANCED' ? await this.checkStorageUri(input.uri!, 'Uri') : '';
    const now = nowIso(this.deps);
    const dataset: Dataset = {
      datasetId: newId('d'),
      name: input.name,
      description: input.description ?? '',
      edition,
      dataType: 'PIC',
      uri,
      createTime: now,
      updateTime: now,
    };
    await this.deps.store.createDataset(dataset);
    if (edition === 'LOGICAL') {
      this.deps.log.info('logical dataset created', { datasetId: dataset.datasetId });
      return dataset;
    }
    await this.deps.store.createVersion({
      datasetId: dataset.datasetId,
      versionName: 'v1',
      description: input.versionDescription ?? '',
      uri,
      fileCount: 0,
      createTime: now,
      updateTime: now,
    });
    this.deps.log.info('dataset created', { datasetId: dataset.datasetId, uri });
    return dataset;
  }

  async get(id: string): Promise<Dataset> {
    const d = await this.deps.store.getDataset(id);
    if (!d) throw notFound('Dataset', id);
    return d;
  }

  list(q: { nameContains?: string; edition?: DatasetEdition; maxResults: number; nextToken?: string }): Promise<Page<Dataset>> {
    return this.deps.store.listDatasets(q);
  }

  async update(id: string, patch: { name?: string; description?: string }): Promise<Dataset> {
    await this.get(id);
    await this.deps.store.updateDataset(id, { ...patch, updateTime: nowIso(this.deps) });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.get(id);
    await this.refuseWhileJobsRun(id);
    await this.deps.store.deleteDataset(id);
  }

  async createVersion(datasetId: string, input: { uri?: string; description?: string }): Promise<DatasetVersion> {
    const dataset = await this.get(datasetId);
    if (dataset.edition === 'LOGICAL') {
      throw invalid('versions of a LOGICAL dataset are made by exports (a FileMetaExport job with target "logical")', 'DatasetId');
    }
    const uri = input.uri ? await this.checkStorageUri(input.uri, 'Uri') : dataset.uri;
    const versions = await this.deps.store.listVersions(datasetId);
    const next = versions.reduce((m, v) => Math.max(m, Number(v.versionName.slice(1))), 0) + 1;
    const now = nowIso(this.deps);
    const version: DatasetVersion = {
      datasetId,
      versionName: `v${next}`,
      description: input.description ?? '',
      uri,
      fileCount: 0,
      createTime: now,
      updateTime: now,
    };
    await this.deps.store.createVersion(version);
    return version;
  }

  async getVersion(datasetId: string, versionName: string): Promise<DatasetVersion> {
    await this.get(datasetId);
    const v = await this.deps.store.getVersion(datasetId, versionName);
    if (!v) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
    return v;
  }

  async listVersions(datasetId: string): Promise<DatasetVersion[]> {
    await this.get(datasetId);
    return this.deps.store.listVersions(datasetId);
  }

  async updateVersion(datasetId: string, versionName: string, patch: { description?: string }): Promise<DatasetVersion> {
    await this.getVersion(datasetId, versionName);
    await this.deps.store.updateVersion(datasetId, versionName, { ...patch, updateTime: nowIso(this.deps) });
    return this.getVersion(datasetId, versionName);
  }

  async deleteVersion(datasetId: string, versionName: string): Promise<void> {
    await this.getVersion(datasetId, versionName);
    await this.refuseWhileJobsRun(datasetId, versionName);
    await this.deps.store.deleteVersion(datasetId, versionName);
  }

  /** A logical version's references, in export order. */
  async listReferences(datasetId: string, versionName: string, q: { maxResults: number; nextToken?: string }): Promise<Page<LogicalRef>> {
    await this.logicalVersion(datasetId, versionName);
    return this.deps.store.listLogicalRefs(datasetId, versionName, q);
  }

  /** What changed in a logical version since a base version: references added, removed, or of another fingerprint. */
  async diffVersions(
    datasetId: string,
    versionName: string,
    baseVersionName: string,
    change: LogicalChange,
    q: { maxResults: number; nextToken?: string },
  ): Promise<Page<LogicalRef> & { counts: Record<LogicalChange, number> }> {
    await this.logicalVersion(datasetId, versionName);
    await this.getVersion(datasetId, baseVersionName);
    return this.deps.store.diffLogicalVersions(datasetId, versionName, baseVersionName, change, q);
  }

  private async logicalVersion(datasetId: string, versionName: string): Promise<DatasetVersion> {
    const dataset = await this.get(datasetId);
    if (dataset.edition !== 'LOGICAL') throw invalid(`dataset '${datasetId}' is ${dataset.edition}: references belong to LOGICAL datasets`, 'DatasetId');
    return this.getVersion(datasetId, versionName);
  }

  private async refuseWhileJobsRun(datasetId: string, versionName?: string): Promise<void> {
    for (const status of ['Pending', 'Running'] as const) {
      const running = await this.deps.store.listJobs({ datasetId, versionName, status, maxResults: 1 });
      if (running.items.length) {
        throw conflict(`job ${running.items[0]!.datasetJobId} is ${status}: stop it before deleting`);
      }
    }
  }

  /** A storage URI must have a known scheme and be a folder (it is normalised to end with `/`). */
  private async checkStorageUri(raw: string, field: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw invalid(`${field} is not a URI: '${raw}'`, field);
    }
    const scheme = url.protocol.replace(/:$/, '');
    const uri = raw.endsWith('/') ? raw : `${raw}/`;
    try {
      await this.deps.objects.forUri(uri).checkPrefix(uri);
    } catch (e) {
      // A location Loupe may not serve (outside the allowed folders, local files turned off) stays a
      // 403; the message says which rule refused it.
      if (isDomainError(e) && e.kind === 'Forbidden') throw withField(e, field);
      if (!this.deps.objects.schemes.includes(scheme)) {
        throw invalid(`${field} scheme '${scheme}' is not supported here (supported: ${this.deps.objects.schemes.join(', ') || 'none'})`, field);
      }
      throw invalid(`${field} '${raw}' is not usable: ${e instanceof Error ? e.message : String(e)}`, field);
    }
    return uri;
  }
}
