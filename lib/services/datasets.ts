// Use cases of datasets and their versions. Registering a URI records it; nothing is copied.
import {
  dataSourceTypeOfUri,
  isFolderEdition,
  LOUPE_DATA_SOURCE_TYPES,
  LOUPE_DATA_TYPES,
  MAX_LABELS,
  upsertLabels,
  type Accessibility,
  type Dataset,
  type DatasetEdition,
  type DatasetVersion,
  type DataSourceType,
  type DataType,
  type Label,
  type UserMetricsEndpoint,
} from '../domain/dataset.js';
import { conflict, invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { LogicalChange, LogicalRef } from '../domain/logical.js';
import { visibleIn } from '../domain/workspace.js';
import {
  activeShareTo,
  nextShares,
  relationshipOf,
  type DatasetShare,
  type ShareInput,
  type ShareRelationship,
  type ShareScope,
} from '../domain/dataset-sharing.js';
import { datasetIn, sightOf, type DatasetAccess } from './dataset-access.js';
import type { DatasetPatch, DatasetQuery, Page, VersionQuery, VersionSortField } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';

/** What the version v1 of a new dataset, or a new version, is described by (PAI's fields, all optional). */
interface VersionFields {
  labels?: Label[];
  options?: string;
  sourceType?: string;
  sourceId?: string;
  importInfo?: string;
  datasetTaskRamRole?: string;
  userMetricsEndpoints?: UserMetricsEndpoint[];
}

export interface CreateDatasetInput {
  name: string;
  /** The workspace it belongs to ('' or absent: none). */
  workspaceId?: string;
  description?: string;
  /** Default BASIC (PAI's default): a folder-backed dataset, as ADVANCED. */
  edition?: DatasetEdition;
  /** Default COMMON (PAI's); PIC too. Others are refused (Loupe manages images). */
  dataType?: string;
  /** Derived from the Uri when absent; when given it must agree with it. */
  dataSourceType?: string;
  /** DIRECTORY (default); FILE is refused. */
  property?: string;
  /** Required for BASIC/ADVANCED; a LOGICAL dataset has no storage of its own. */
  uri?: string;
  labels?: Label[];
  options?: string;
  accessibility?: Accessibility;
  accessibleRoleIdList?: string[];
  mountAccessReadWriteRoleIdList?: string[];
  provider?: string;
  providerType?: string;
  sourceType?: string;
  sourceId?: string;
  sourceDatasetId?: string;
  sourceDatasetVersion?: string;
  importInfo?: string;
  /** PAI's UserId (the member the dataset belongs to), kept as given; absent or '': the creator. */
  userId?: string;
  /** The principal of the request (lib/http/env.ts): PAI's OwnerId, and the UserId when none is given. */
  creator?: string;
  versionDescription?: string;
  versionLabels?: Label[];
  datasetTaskRamRole?: string;
  userMetricsEndpoints?: UserMetricsEndpoint[];
  /** Check everything, create nothing. */
  dryRun?: boolean;
}

export interface CreateVersionInput extends VersionFields {
  uri?: string;
  description?: string;
  dataSourceType?: string;
  property?: string;
  dryRun?: boolean;
}

/** ListDatasets: with a WorkspaceId, its own datasets and those shared to it; ShareScope narrows that (PAI's TO_ME, BY_ME). */
export type ListDatasetsInput = Omit<DatasetQuery, 'workspaceId' | 'share'> & { workspaceId?: string; shareScope?: ShareScope };

/** A dataset as a request sees it, with what it may see of its sharing (lib/domain/dataset-sharing.ts). */
export interface DatasetSeen {
  dataset: Dataset;
  /** The view of its own workspace (or of a request naming none): every share, with its status ([]: not shared). */
  sharedTo: ShareRelationship[];
  /** The view of a workspace it is shared to: that share (sharedTo is then []: other workspaces' shares are not shown). */
  sharedFrom?: ShareRelationship;
}

/** `dataset` with `shares` as a request naming `workspace` sees it at `now` (it sees the dataset: sightOf said so). */
function seenAs(dataset: Dataset, shares: readonly DatasetShare[], workspace: string | undefined, now: Date): DatasetSeen {
  if (visibleIn(dataset.workspaceId, workspace)) return { dataset, sharedTo: shares.map((s) => relationshipOf(s, dataset.workspaceId, now)) };
  const share = workspace === undefined ? undefined : activeShareTo(shares, workspace, now);
  return { dataset, sharedTo: [], ...(share ? { sharedFrom: relationshipOf(share, dataset.workspaceId, now) } : {}) };
}

export interface ListVersionsInput extends Omit<VersionQuery, 'datasetId' | 'sortBy' | 'order'> {
  sortBy?: VersionSortField;
  order?: 'ASC' | 'DESC';
}

export class DatasetService {
  constructor(private readonly deps: ServiceDeps) {}

  /**
   * Creates a dataset and its first version `v1` over the same URI. A LOGICAL dataset has no URI and
   * no version yet: each export into it makes the next one. With `dryRun`, checks all and stores nothing.
   */
  async create(input: CreateDatasetInput): Promise<Dataset> {
    const edition = input.edition ?? 'BASIC';
    const dataType = checkDataType(input.dataType);
    checkProperty(input.property);
    if (input.provider !== undefined && input.provider.toLowerCase() === 'pai') {
      throw invalid("Provider 'pai' is reserved for PAI's public datasets", 'Provider');
    }
    checkLabelCount(input.labels ?? [], 'Labels');
    checkLabelCount(input.versionLabels ?? [], 'VersionLabels');
    let uri = '';
    let dataSourceType: DataSourceType = '';
    if (edition === 'LOGICAL') {
      if (input.uri) throw invalid('a LOGICAL dataset has no storage URI: its versions are made by exports', 'Uri');
      if (input.dataSourceType !== undefined) dataSourceType = checkSupportedDataSourceType(input.dataSourceType);
    } else {
      if (!input.uri) throw invalid('Uri: required (the storage folder of the dataset)', 'Uri');
      const derived = agreeingDataSourceType(input.uri, input.dataSourceType);
      uri = await this.checkStorageUri(input.uri, 'Uri');
      dataSourceType = derived ?? unknownSource(input.uri);
    }
    const now = nowIso(this.deps);
    const dataset: Dataset = {
      datasetId: newId('d'),
      workspaceId: input.workspaceId ?? '',
      name: input.name,
      description: input.description ?? '',
      edition,
      dataType,
      dataSourceType,
      property: 'DIRECTORY',
      uri,
      labels: upsertLabels([], input.labels ?? []),
      options: input.options ?? '',
      accessibility: input.accessibility ?? 'PRIVATE',
      accessibleRoleIdList: input.accessibleRoleIdList ?? [],
      mountAccessReadWriteRoleIdList: input.mountAccessReadWriteRoleIdList ?? [],
      provider: input.provider ?? '',
      providerType: input.providerType ?? '',
      sourceType: input.sourceType ?? 'USER',
      sourceId: input.sourceId ?? '',
      sourceDatasetId: input.sourceDatasetId ?? '',
      sourceDatasetVersion: input.sourceDatasetVersion ?? '',
      importInfo: input.importInfo ?? '',
      userId: input.userId || input.creator || '',
      ...(input.creator ? { ownerId: input.creator } : {}),
      createTime: now,
      updateTime: now,
    };
    if (input.dryRun) return dataset;
    await this.deps.store.createDataset(dataset);
    if (edition === 'LOGICAL') {
      this.deps.log.info('logical dataset created', { datasetId: dataset.datasetId, ownerId: dataset.ownerId ?? null });
      return dataset;
    }
    // PAI describes v1 by the dataset's own Options, ImportInfo and Source* (GetDataset says so).
    await this.deps.store.createVersion({
      datasetId: dataset.datasetId,
      versionName: 'v1',
      description: input.versionDescription ?? '',
      uri,
      dataSourceType,
      property: 'DIRECTORY',
      labels: upsertLabels([], input.versionLabels ?? []),
      options: dataset.options,
      sourceType: dataset.sourceType,
      sourceId: dataset.sourceId,
      importInfo: dataset.importInfo,
      datasetTaskRamRole: input.datasetTaskRamRole ?? '',
      userMetricsEndpoints: input.userMetricsEndpoints ?? [],
      fileCount: 0,
      dataSize: 0,
      createTime: now,
      updateTime: now,
    });
    this.deps.log.info('dataset created', { datasetId: dataset.datasetId, uri, ownerId: dataset.ownerId ?? null });
    return dataset;
  }

  /**
   * The dataset as a request naming `workspace` may read it: its own workspace's, or one shared to it
   * (lib/services/dataset-access.ts); another workspace's is not found.
   */
  get(id: string, workspace?: string): Promise<Dataset> {
    return datasetIn(this.deps, id, workspace, 'read');
  }

  /** The dataset, for a request naming `workspace` that changes it: a workspace it is only shared to is refused (403). */
  private own(id: string, workspace: string | undefined): Promise<Dataset> {
    return datasetIn(this.deps, id, workspace, 'own');
  }

  /** GetDataset: the dataset with its sharing as the request's workspace sees it. */
  async seen(id: string, workspace?: string): Promise<DatasetSeen> {
    const { dataset } = await sightOf(this.deps, id, workspace, 'read');
    return seenAs(dataset, await this.deps.store.getDatasetShares(id), workspace, this.deps.clock.now());
  }

  /**
   * ListDatasets. With a WorkspaceId: its own datasets and those shared to it (an ACTIVE share), as PAI
   * lists them; ShareScope TO_ME only the latter, BY_ME only its own that it shares. Without one: every
   * dataset (ShareScope needs a workspace: shared to or by which?).
   */
  async list(q: ListDatasetsInput): Promise<Page<DatasetSeen>> {
    const { shareScope, ...query } = q;
    if (shareScope && q.workspaceId === undefined) {
      throw invalid(`ShareScope ${shareScope} needs a WorkspaceId: the workspace datasets are shared ${shareScope === 'TO_ME' ? 'to' : 'by'}`, 'ShareScope');
    }
    const now = this.deps.clock.now();
    const share = q.workspaceId === undefined ? undefined : { scope: shareScope ?? ('WITH_SHARED' as const), now: now.toISOString() };
    const page = await this.deps.store.listDatasets({ ...query, ...(share ? { share } : {}) });
    const shares = await this.deps.store.listDatasetShares(page.items.map((d) => d.datasetId));
    return { ...page, items: page.items.map((d) => seenAs(d, shares.get(d.datasetId) ?? [], q.workspaceId, now)) };
  }

  /** The version with the highest number (PAI's LatestVersion); none for a LOGICAL dataset before its first export. */
  latestVersion(datasetId: string): Promise<DatasetVersion | undefined> {
    return this.deps.store.latestVersion(datasetId);
  }

  /** UpdateDataset; `sharedTo` (SharingConfig.SharedTo) replaces the share list ([] unshares). */
  async update(
    id: string,
    patch: Omit<DatasetPatch, 'updateTime' | 'sharedTo'> & { sharedTo?: ShareInput[] },
    workspace?: string,
  ): Promise<Dataset> {
    const current = await this.own(id, workspace);
    if (patch.edition !== undefined && patch.edition !== current.edition) {
      if (!isFolderEdition(patch.edition) || !isFolderEdition(current.edition)) {
        throw invalid(
          `Edition: a ${current.edition} dataset cannot become ${patch.edition} (BASIC and ADVANCED interchange; LOGICAL has no storage folder)`,
          'Edition',
        );
      }
    }
    const now = this.deps.clock.now();
    const sharedTo = patch.sharedTo && nextShares(patch.sharedTo, await this.deps.store.getDatasetShares(id), current.workspaceId, now);
    await this.deps.store.updateDataset(id, { ...patch, sharedTo, updateTime: now.toISOString() });
    return this.get(id);
  }

  /** PublishDataset: visible to the whole workspace (Accessibility PUBLIC). */
  async publish(id: string, workspace?: string): Promise<void> {
    await this.own(id, workspace);
    await this.deps.store.updateDataset(id, { accessibility: 'PUBLIC', updateTime: nowIso(this.deps) });
  }

  async delete(id: string, workspace?: string): Promise<void> {
    await this.own(id, workspace);
    await this.refuseWhileJobsRun(id);
    await this.deps.store.deleteDataset(id);
  }

  /** Upserts labels by Key on the dataset (versionName undefined) or one of its versions. */
  async putLabels(datasetId: string, versionName: string | undefined, labels: Label[], workspace?: string): Promise<void> {
    const current =
      versionName === undefined ? (await this.own(datasetId, workspace)).labels : (await this.getVersion(datasetId, versionName, workspace, 'own')).labels;
    checkLabelCount(upsertLabels(current, labels), 'Labels');
    if (!(await this.deps.store.putLabels(datasetId, versionName, labels, nowIso(this.deps)))) throw this.gone(datasetId, versionName);
  }

  /** Removes the labels of these keys (keys it does not have are no error). */
  async deleteLabels(datasetId: string, versionName: string | undefined, keys: string[], workspace?: string): Promise<void> {
    if (versionName === undefined) await this.own(datasetId, workspace);
    else await this.getVersion(datasetId, versionName, workspace, 'own');
    if (!(await this.deps.store.deleteLabels(datasetId, versionName, keys, nowIso(this.deps)))) throw this.gone(datasetId, versionName);
  }

  private gone(datasetId: string, versionName: string | undefined) {
    return versionName === undefined ? notFound('Dataset', datasetId) : notFound('DatasetVersion', `${datasetId}/${versionName}`);
  }

  async createVersion(datasetId: string, input: CreateVersionInput, workspace?: string): Promise<DatasetVersion> {
    const dataset = await this.own(datasetId, workspace);
    if (dataset.edition === 'LOGICAL') {
      throw invalid('versions of a LOGICAL dataset are made by exports (a FileMetaExport job with target "logical")', 'DatasetId');
    }
    checkProperty(input.property);
    checkLabelCount(input.labels ?? [], 'Labels');
    const derived = agreeingDataSourceType(input.uri ?? dataset.uri, input.dataSourceType);
    const uri = input.uri ? await this.checkStorageUri(input.uri, 'Uri') : dataset.uri;
    const dataSourceType = derived ?? unknownSource(uri);
    if (dataset.dataSourceType && dataSourceType !== dataset.dataSourceType) {
      // PAI: a version's DataSourceType is its dataset's.
      throw invalid(
        `a version's data source is its dataset's (${dataset.dataSourceType}); this one is ${dataSourceType}`,
        input.dataSourceType !== undefined ? 'DataSourceType' : 'Uri',
      );
    }
    const versions = await this.deps.store.listVersions(datasetId);
    const next = versions.reduce((m, v) => Math.max(m, Number(v.versionName.slice(1))), 0) + 1;
    const now = nowIso(this.deps);
    const version: DatasetVersion = {
      datasetId,
      versionName: `v${next}`,
      description: input.description ?? '',
      uri,
      dataSourceType,
      property: 'DIRECTORY',
      labels: upsertLabels([], input.labels ?? []),
      options: input.options ?? '',
      sourceType: input.sourceType ?? 'USER',
      sourceId: input.sourceId ?? '',
      importInfo: input.importInfo ?? '',
      datasetTaskRamRole: input.datasetTaskRamRole ?? '',
      userMetricsEndpoints: input.userMetricsEndpoints ?? [],
      fileCount: 0,
      dataSize: 0,
      createTime: now,
      updateTime: now,
    };
    if (input.dryRun) return version;
    await this.deps.store.createVersion(version);
    return version;
  }

  /** The version; for `own` (a change), not from a workspace the dataset is only shared to. */
  async getVersion(datasetId: string, versionName: string, workspace?: string, access: DatasetAccess = 'read'): Promise<DatasetVersion> {
    await datasetIn(this.deps, datasetId, workspace, access);
    const v = await this.deps.store.getVersion(datasetId, versionName);
    if (!v) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
    return v;
  }

  /** Every version, by number. */
  async listVersions(datasetId: string, workspace?: string): Promise<DatasetVersion[]> {
    await this.get(datasetId, workspace);
    return this.deps.store.listVersions(datasetId);
  }

  /** A page of versions (ListDatasetVersions): GmtCreateTime ASC by default, as PAI documents. */
  async queryVersions(datasetId: string, q: ListVersionsInput, workspace?: string): Promise<{ items: DatasetVersion[]; totalCount: number }> {
    await this.get(datasetId, workspace);
    return this.deps.store.queryVersions({ ...q, datasetId, sortBy: q.sortBy ?? 'GmtCreateTime', order: q.order ?? 'ASC' });
  }

  async updateVersion(
    datasetId: string,
    versionName: string,
    patch: { description?: string; options?: string; datasetTaskRamRole?: string; userMetricsEndpoints?: UserMetricsEndpoint[] },
    workspace?: string,
  ): Promise<DatasetVersion> {
    await this.getVersion(datasetId, versionName, workspace, 'own');
    await this.deps.store.updateVersion(datasetId, versionName, { ...patch, updateTime: nowIso(this.deps) });
    return this.getVersion(datasetId, versionName);
  }

  async deleteVersion(datasetId: string, versionName: string, workspace?: string): Promise<void> {
    await this.getVersion(datasetId, versionName, workspace, 'own');
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

function checkDataType(given: string | undefined): DataType {
  if (given === undefined) return 'COMMON';
  if ((LOUPE_DATA_TYPES as readonly string[]).includes(given)) return given as DataType;
  throw invalid(`DataType '${given}' is not one Loupe manages: it indexes images, so COMMON (the default) and PIC are accepted`, 'DataType');
}

function checkProperty(given: string | undefined): void {
  if (given !== undefined && given !== 'DIRECTORY') {
    throw invalid(`Property '${given}' is not supported: a Loupe dataset is a folder (DIRECTORY, the default)`, 'Property');
  }
}

function checkLabelCount(labels: readonly Label[], field: string): void {
  if (new Set(labels.map((l) => l.key)).size > MAX_LABELS) throw invalid(`at most ${MAX_LABELS} labels per dataset or version`, field);
}

function checkSupportedDataSourceType(given: string): 'OSS' | 'NAS' {
  if ((LOUPE_DATA_SOURCE_TYPES as readonly string[]).includes(given)) return given as 'OSS' | 'NAS';
  throw invalid(
    `DataSourceType '${given}' is not served: Loupe reads OSS (oss://) and NAS, whose analogue is a mounted filesystem (file:// or nas://)`,
    'DataSourceType',
  );
}

/**
 * The data source type of `uri`, which `given` (when there is one) must be; undefined when nothing is
 * given and the scheme says none (checkStorageUri then names what is wrong with the Uri).
 */
function agreeingDataSourceType(uri: string, given: string | undefined): 'OSS' | 'NAS' | undefined {
  const derived = dataSourceTypeOfUri(uri);
  if (given === undefined) return derived;
  const wanted = checkSupportedDataSourceType(given);
  if (derived !== wanted) {
    const scheme = wanted === 'OSS' ? 'an oss:// Uri' : 'a file:// or nas:// Uri (a mounted filesystem)';
    throw invalid(`DataSourceType ${wanted} needs ${scheme}; '${uri}' is ${derived ?? 'neither'}`, 'DataSourceType');
  }
  return wanted;
}

function unknownSource(uri: string): never {
  throw invalid(`Uri '${uri}' is of no data source Loupe serves (oss:// for OSS; file:// or nas:// for NAS)`, 'Uri');
}
