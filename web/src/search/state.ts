// The data view's query, read from the URL (route.ts): the one place that turns `?v=&q=&img=` (and an
// uploaded image held in memory) into the API's list request, so the grid, the statistics, the
// histogram, selections and exports all ask the server the same question.
import { computed, effect, signal } from '@preact/signals';
import type { ApiError, Query } from '../api.js';
import { route } from '../route.js';

/** An uploaded query image: it cannot live in a URL, so it is held here until cleared. */
export interface UploadedImage {
  name: string;
  /** data:image/…;base64,… of the file as picked. */
  dataUrl: string;
}
export const uploadedImage = signal<UploadedImage | null>(null);

/** The last error the list request gave for the current query (a query-language error carries an offset). */
export const queryError = signal<ApiError | null>(null);

export interface DataQuery {
  datasetId: string;
  /** '' = the dataset's latest version. */
  version: string;
  /** The whole query in the query language ('' = everything). */
  q: string;
  /** "More like this" / a picked dataset file: its DatasetFileMetaId. */
  img: string;
}

/** The current data view's query, from the URL (only meaningful on /datasets/:id/files). */
export const dataQuery = computed<DataQuery>(() => {
  const { parts, params } = route.value;
  return { datasetId: parts[1] ?? '', version: params.get('v') ?? '', q: params.get('q') ?? '', img: params.get('img') ?? '' };
});

/** A stable key of what the server is asked (for caches and to drop stale answers). */
export const queryKey = computed(() => {
  const d = dataQuery.value;
  const up = uploadedImage.value;
  return JSON.stringify([d.datasetId, d.version, d.q, d.img, up ? `${up.name}:${up.dataUrl.length}:${up.dataUrl.slice(-32)}` : '']);
});

/**
 * The list request's fields (PAI's names) for a query, without paging. `imageUri` is the Uri of the
 * file named by `img` (the caller looks it up once). Uploaded images go in a POST body instead
 * (searchBody), never in a query string.
 */
export function searchFields(d: DataQuery, imageUri?: string): Query {
  return {
    DatasetVersion: d.version || undefined,
    QueryExpression: d.q.trim() || undefined,
    QueryImage: d.img && imageUri ? imageUri : undefined,
  };
}

/** Whether the current query can be resolved again later by the server (selections, exports): not with an upload. */
export const queryIsReplayable = computed(() => uploadedImage.value === null);

// One query image at a time: naming a dataset file (img=, "more like this") drops an upload, and an
// upload belongs to the dataset it was made in.
const imgKey = computed(() => {
  const { parts, params } = route.value;
  return parts[0] === 'datasets' && parts[2] === 'files' ? `${parts[1]}\n${params.get('img') ?? ''}` : '';
});
let lastDataset = '';
effect(() => {
  if (!imgKey.value) return; // another page: an upload waits for the way back
  const [datasetId, img] = imgKey.value.split('\n') as [string, string];
  if (img || (lastDataset && datasetId !== lastDataset)) uploadedImage.value = null;
  lastDataset = datasetId;
});
