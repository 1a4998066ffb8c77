import { z } from 'zod';

/**
 * PAI's editions. BASIC (PAI's default) and ADVANCED are the same thing in Loupe: a dataset over a
 * storage folder whose files get file metas (PAI's BASIC has no file metas; Loupe manages them for
 * every folder-backed dataset). LOGICAL: Loupe's logical dataset, no storage, versions made by exports.
 */
export const DATASET_EDITIONS = ['BASIC', 'ADVANCED', 'LOGICAL'] as const;
export const DatasetEdition = z.enum(DATASET_EDITIONS);
export type DatasetEdition = z.infer<typeof DatasetEdition>;
/** Whether a dataset of this edition is a storage folder (BASIC and ADVANCED alike). */
export const isFolderEdition = (e: DatasetEdition): boolean => e !== 'LOGICAL';

/** PAI's data types; Loupe manages images, so it creates COMMON (PAI's default) and PIC datasets only. */
export const PAI_DATA_TYPES = ['COMMON', 'PIC', 'TEXT', 'VIDEO', 'AUDIO'] as const;
export const LOUPE_DATA_TYPES = ['COMMON', 'PIC'] as const;
export type DataType = (typeof LOUPE_DATA_TYPES)[number];

/**
 * PAI's data source types. Loupe serves OSS (`oss://`) and NAS, whose analogue here is a mounted
 * filesystem: a local folder (`file://`) or a `nas://` Uri. The others are valid filter values that
 * match nothing.
 */
export const PAI_DATA_SOURCE_TYPES = ['OSS', 'NAS', 'EXTREMENAS', 'CPFS', 'BMCPFS', 'MAXCOMPUTE', 'URL'] as const;
export const LOUPE_DATA_SOURCE_TYPES = ['OSS', 'NAS'] as const;
/** '' for a LOGICAL dataset created without one (it has no storage). */
export type DataSourceType = (typeof LOUPE_DATA_SOURCE_TYPES)[number] | '';

/** The data source type a storage Uri is of, by its scheme; undefined when Loupe knows none. */
export function dataSourceTypeOfUri(uri: string): 'OSS' | 'NAS' | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'oss') return 'OSS';
  if (scheme === 'file' || scheme === 'nas') return 'NAS';
  return undefined;
}

/** PAI's FILE | DIRECTORY; Loupe datasets are folders. */
export const PAI_PROPERTIES = ['DIRECTORY', 'FILE'] as const;
export const ACCESSIBILITIES = ['PRIVATE', 'PUBLIC', 'ROLE_PUBLIC'] as const;
export type Accessibility = (typeof ACCESSIBILITIES)[number];

/** PAI's resource label. Key and Value at most 128 bytes, neither `=` nor `,`. */
export interface Label {
  key: string;
  value: string;
}
export const MAX_LABELS = 100;

/** Labels after `upserts` (by Key: a known key gets the new value in place, a new one goes last). */
export function upsertLabels(current: readonly Label[], upserts: readonly Label[]): Label[] {
  const out = current.map((l) => ({ ...l }));
  for (const u of upserts) {
    const at = out.findIndex((l) => l.key === u.key);
    if (at >= 0) out[at] = { key: u.key, value: u.value };
    else out.push({ key: u.key, value: u.value });
  }
  return out;
}

export interface UserMetricsEndpoint {
  path: string;
  port: number;
}

export interface Dataset {
  datasetId: string;
  /** The workspace it was created in ('' when none was named): lib/domain/workspace.ts. */
  workspaceId: string;
  name: string;
  description: string;
  edition: DatasetEdition;
  dataType: DataType;
  dataSourceType: DataSourceType;
  property: 'DIRECTORY';
  /** Storage root, e.g. `file:///data/cars/` or `oss://bucket/prefix/`. Always ends with `/`; '' for LOGICAL. */
  uri: string;
  labels: Label[];
  /** PAI's extended field: a JSON object as a string ('' when none). */
  options: string;
  accessibility: Accessibility;
  accessibleRoleIdList: string[];
  mountAccessReadWriteRoleIdList: string[];
  // Descriptive PAI fields, stored and returned ('' when none).
  provider: string;
  providerType: string;
  sourceType: string;
  sourceId: string;
  sourceDatasetId: string;
  sourceDatasetVersion: string;
  /** A JSON object as a string ('' when none). */
  importInfo: string;
  /** PAI's UserId, the member the dataset belongs to: as CreateDataset gave it, else its creator ('' when neither is known). */
  userId: string;
  /** PAI's OwnerId: the principal of the request that created it (lib/http/env.ts); absent for one made before Loupe recorded it. */
  ownerId?: string;
  createTime: string;
  updateTime: string;
}

/** The PAI fields of a dataset that is made with nothing said about them. */
export const DATASET_PAI_DEFAULTS = {
  workspaceId: '',
  dataType: 'COMMON',
  dataSourceType: '',
  property: 'DIRECTORY',
  labels: [],
  options: '',
  accessibility: 'PRIVATE',
  accessibleRoleIdList: [],
  mountAccessReadWriteRoleIdList: [],
  provider: '',
  providerType: '',
  sourceType: 'USER',
  sourceId: '',
  sourceDatasetId: '',
  sourceDatasetVersion: '',
  importInfo: '',
  userId: '',
} as const satisfies Partial<Dataset>;

export const VersionName = z.string().regex(/^v[1-9][0-9]{0,5}$/, 'a version name is v1, v2, …');

export interface DatasetVersion {
  datasetId: string;
  versionName: string;
  description: string;
  /** Where this version's files live; defaults to the dataset's Uri. Ends with `/`; '' for a logical version. */
  uri: string;
  dataSourceType: DataSourceType;
  property: 'DIRECTORY';
  labels: Label[];
  options: string;
  sourceType: string;
  sourceId: string;
  importInfo: string;
  datasetTaskRamRole: string;
  userMetricsEndpoints: UserMetricsEndpoint[];
  /** Files currently known and live (PENDING, ACTIVE, FAILED: not SKIPPED nor DELETED); a logical version's references. Computed. */
  fileCount: number;
  /** The sum of those files' sizes, in bytes. Computed. */
  dataSize: number;
  createTime: string;
  updateTime: string;
}

/** The PAI fields of a version that is made with nothing said about them. */
export const VERSION_PAI_DEFAULTS = {
  dataSourceType: '',
  property: 'DIRECTORY',
  labels: [],
  options: '',
  sourceType: 'USER',
  sourceId: '',
  importInfo: '',
  datasetTaskRamRole: '',
  userMetricsEndpoints: [],
} as const satisfies Partial<DatasetVersion>;

/** PAI's "index library config": which model embeds a dataset, into which vector store and index. */
export const IndexConfig = z.object({
  datasetId: z.string(),
  embeddingConnectionId: z.string(),
  vectorConnectionId: z.string(),
  indexName: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and -'),
  modelName: z.string().nullable(),
  createTime: z.string(),
  updateTime: z.string(),
});
export type IndexConfig = z.infer<typeof IndexConfig>;
