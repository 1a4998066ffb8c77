import { z } from 'zod';

export const DatasetEdition = z.enum(['ADVANCED', 'LOGICAL']);
export type DatasetEdition = z.infer<typeof DatasetEdition>;

export const Dataset = z.object({
  datasetId: z.string(),
  name: z.string().min(1).max(128),
  description: z.string().max(1024).default(''),
  edition: DatasetEdition,
  dataType: z.literal('PIC'),
  /** Storage root, e.g. `file:///data/cars/` or `oss://bucket/prefix/`. Always ends with `/`. */
  uri: z.string(),
  createTime: z.string(),
  updateTime: z.string(),
});
export type Dataset = z.infer<typeof Dataset>;

export const VersionName = z.string().regex(/^v[1-9][0-9]{0,5}$/, 'a version name is v1, v2, …');

export const DatasetVersion = z.object({
  datasetId: z.string(),
  versionName: VersionName,
  description: z.string().max(1024).default(''),
  /** Where this version's files live; defaults to the dataset's Uri. Ends with `/`. */
  uri: z.string(),
  /** Files currently known and not deleted (any status but DELETED). */
  fileCount: z.number().int().nonnegative(),
  createTime: z.string(),
  updateTime: z.string(),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

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
