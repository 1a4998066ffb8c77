// The one rule of who sees a dataset (issue 11, item 7, and PAI's dataset sharing): every service
// that finds a dataset, or something that belongs to it (versions, labels, file metas, jobs, job
// configs), for a request finds it here.
//
// - A request that names no workspace, or the dataset's own: the dataset, to read and to change.
// - A request that names a workspace the dataset is shared to (an ACTIVE share): the dataset, to read
//   (`read`); anything that changes it or its parts, or runs jobs on it (`own`), is 403.
// - Any other workspace, or a share past its ExpiresAt: not found (404), as if it did not exist.
import type { Dataset } from '../domain/dataset.js';
import { activeShareTo, type DatasetShare } from '../domain/dataset-sharing.js';
import { DomainError, notFound } from '../domain/errors.js';
import { visibleIn } from '../domain/workspace.js';
import type { ServiceDeps } from './deps.js';

/** What the request means to do: read (a shared workspace may), or own (change, run jobs: the dataset's workspace only). */
export type DatasetAccess = 'read' | 'own';

export interface DatasetSight {
  dataset: Dataset;
  /** Set when the request sees the dataset through a share to its workspace (read-only). */
  sharedFrom?: DatasetShare;
}

/** The dataset `id` as a request naming `workspace` (undefined: none) sees it, for `access`. */
export async function sightOf(deps: Pick<ServiceDeps, 'store' | 'clock'>, id: string, workspace: string | undefined, access: DatasetAccess): Promise<DatasetSight> {
  const dataset = await deps.store.getDataset(id);
  if (!dataset) throw notFound('Dataset', id);
  if (visibleIn(dataset.workspaceId, workspace)) return { dataset };
  const share = workspace === undefined ? undefined : activeShareTo(await deps.store.getDatasetShares(id), workspace, deps.clock.now());
  if (!share) throw notFound('Dataset', id);
  if (access === 'own') {
    throw new DomainError(
      'Forbidden',
      `Dataset '${id}' is shared to workspace '${workspace}' to read: changing it, its versions, labels and file metas, and its jobs and job configs, belong to its own workspace`,
    );
  }
  return { dataset, sharedFrom: share };
}

/** The dataset `id` for a request naming `workspace`, for `access` (see `sightOf`). */
export async function datasetIn(deps: Pick<ServiceDeps, 'store' | 'clock'>, id: string, workspace: string | undefined, access: DatasetAccess): Promise<Dataset> {
  return (await sightOf(deps, id, workspace, access)).dataset;
}
