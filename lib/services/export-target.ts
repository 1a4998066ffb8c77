// Where a file export may write. Never into a dataset version's folder (the next Increment would index
// the export, and a `dataset.jsonl` of the user's could be replaced); only into a folder that is empty
// (or absent) or holds a previous Loupe export (its own `export.json`). Replacing that export takes
// `overwrite: true`, and even then only files Loupe wrote are replaced. Checked when the job is created
// (a 400/409 naming the file that would be lost) and again when the exporter starts: files may appear
// in between.
import { DomainError, invalid, isDomainError } from '../domain/errors.js';
import type { FileMetaExportSpec } from '../domain/job.js';
import { permanentStorageError } from '../domain/storage-errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ServiceDeps } from './deps.js';
import { EXPORT_DESCRIPTION_FILE, exportFilesOf, GME_IMAGES_FOLDER, parseExportMarker, type ExportMarker } from './export-formats.js';

/** A marker is a few KB; anything much larger named export.json is not one. */
const MARKER_MAX_BYTES = 1024 * 1024;

export interface ExportTarget {
  /** The folder, ending with `/`. */
  folder: string;
  store: ObjectStore;
  /** What this export writes, relative to the folder (`images/` stands for every copy). */
  files: string[];
  /** Every file of the folder Loupe's exports will have written once this one is done. */
  loupeFiles: string[];
  /** The folder's `export.json` as found, when it is Loupe's: put back if this export publishes nothing. */
  previous?: { text: string; marker: ExportMarker };
}

/**
 * Checks that the export of `spec` may write where it says; throws a 400 (a dataset's folder, a folder
 * not allowed) or a 409 (a file Loupe did not write, a previous export without `overwrite`). `jobId`
 * is the running job's: its own marker, from an earlier delivery, is replaced without asking.
 */
export async function checkExportTarget(deps: ServiceDeps, spec: FileMetaExportSpec, jobId?: string): Promise<ExportTarget> {
  const folder = spec.uri!;
  const files = exportFilesOf(spec.format!, spec.format === 'gme' && spec.images !== 'reference');
  try {
    await refuseDatasetFolders(deps, folder, files);
    const store = deps.objects.forUri(folder);
    const previous = await readMarker(store, folder + EXPORT_DESCRIPTION_FILE);
    const own = previous !== undefined && jobId !== undefined && previous.marker.DatasetJobId === jobId;
    if (previous && !own && !spec.overwrite) {
      throw refused(
        `JobSpec.uri: '${folder}' holds the export of job ${previous.marker.DatasetJobId} (${previous.marker.Files.join(', ')}): ` +
          'set "overwrite": true in the JobSpec to replace it, or export into an empty folder',
      );
    }
    if (previous && !own && previous.marker.Status === 'Running') {
      const writer = await deps.store.getJob(previous.marker.DatasetJobId);
      if (writer && (writer.status === 'Pending' || writer.status === 'Running')) {
        throw refused(`JobSpec.uri: job ${writer.datasetJobId} is exporting into '${folder}' now: wait for it or stop it`);
      }
    }
    const loupeFiles = new Set(previous ? (previous.marker.LoupeFiles ?? previous.marker.Files) : []);
    for (const f of files) {
      if (loupeFiles.has(f)) continue;
      const found = f.endsWith('/') ? await firstObjectUnder(store, folder + f) : await existing(store, folder + f);
      if (found) throw refused(`JobSpec.uri: the export would replace '${found}', which Loupe did not write: export into an empty folder`);
    }
    if (!previous) {
      const other = await firstObjectUnder(store, folder);
      if (other) {
        throw refused(
          `JobSpec.uri: '${folder}' is not empty (it holds '${other}', which Loupe did not write): ` +
            'export into an empty folder, or into the folder of a previous Loupe export',
        );
      }
    }
    for (const f of files) loupeFiles.add(f);
    return { folder, store, files, loupeFiles: [...loupeFiles], ...(previous ? { previous } : {}) };
  } catch (e) {
    // Outside the allowed folders, not a URI this server can write, or a folder it cannot read or
    // name (EACCES, ENAMETOOLONG…): a bad JobSpec.uri, now rather than a failed job later.
    if (isDomainError(e) && (e.kind === 'Forbidden' || (e.kind === 'Invalid' && !e.field?.startsWith('JobSpec')))) {
      throw invalid(`JobSpec.uri: ${e.message}`, 'JobSpec.uri');
    }
    const cause = permanentStorageError(e);
    if (cause) throw invalid(`JobSpec.uri: cannot use '${folder}': ${cause}`, 'JobSpec.uri');
    throw e;
  }
}

const refused = (message: string) => new DomainError('Conflict', message, 'JobSpec.uri');

/**
 * Refuses a folder inside (or equal to) any dataset version's folder, and copies into an `images/`
 * that is, or holds, one. URIs compare normalised (decoded, repeated slashes folded, a trailing slash).
 */
async function refuseDatasetFolders(deps: ServiceDeps, folder: string, files: string[]): Promise<void> {
  const target = folderKey(folder);
  const images = files.includes(GME_IMAGES_FOLDER) ? folderKey(folder + GME_IMAGES_FOLDER) : undefined;
  for (const v of await deps.store.listVersionFolders()) {
    const own = folderKey(v.uri);
    const where = `dataset '${v.datasetId}' version ${v.versionName} (${v.uri})`;
    if (target.startsWith(own)) {
      throw invalid(`JobSpec.uri: '${folder}' is ${target === own ? 'the folder' : 'inside the folder'} of ${where}; an export never writes into a dataset`, 'JobSpec.uri');
    }
    if (images && own.startsWith(images)) {
      throw invalid(`JobSpec.uri: the images would be copied into '${folder}${GME_IMAGES_FOLDER}', which holds ${where}; an export never writes into a dataset`, 'JobSpec.uri');
    }
  }
}

/** `scheme://host/decoded/segments/`: one spelling per folder, so that prefixes compare. */
export function folderKey(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri.endsWith('/') ? uri : `${uri}/`;
  }
  const segments = url.pathname.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return `${url.protocol.toLowerCase()}//${url.host.toLowerCase()}/${segments.map((s) => `${s}/`).join('')}`;
}

/** The folder's `export.json` when it is Loupe's marker. */
async function readMarker(store: ObjectStore, uri: string): Promise<ExportTarget['previous']> {
  let data: Buffer | undefined;
  try {
    data = (await store.get(uri, { maxBytes: MARKER_MAX_BYTES })).data;
  } catch (e) {
    if (isDomainError(e) && e.kind === 'NotFound') return undefined;
    throw e;
  }
  if (!data) return undefined;
  const text = data.toString('utf8');
  const marker = parseExportMarker(text);
  return marker ? { text, marker } : undefined;
}

async function existing(store: ObjectStore, uri: string): Promise<string | undefined> {
  try {
    return (await store.head(uri)).uri;
  } catch (e) {
    if (isDomainError(e) && e.kind === 'NotFound') return undefined;
    throw e;
  }
}

async function firstObjectUnder(store: ObjectStore, prefix: string): Promise<string | undefined> {
  return (await store.list(prefix, { maxKeys: 1 })).objects[0]?.uri;
}
