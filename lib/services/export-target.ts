// Where a file export may write. Never into a dataset version's folder, however either is named
// (through a symlink too: folders compare by their canonical form; the next Increment would index the
// export, and a `dataset.jsonl` of the user's could be replaced); only into a folder that is empty (or
// absent) or holds a previous Loupe export (its own `export.json`). Replacing that export takes
// `overwrite: true`, and even then only files Loupe wrote and nobody changed since (the marker records
// each one's ETag) are replaced. PAI's layout writes a new folder inside exportDirUri: that folder must
// be empty or absent (or this job's own, on a redelivery), and is never another export's to replace.
// Checked when the job is created (a 400/409 naming the file that would be lost) and again when the
// exporter starts: files may appear in between.
import { createHash } from 'node:crypto';
import { DomainError, invalid, isDomainError, withField } from '../domain/errors.js';
import { permanentStorageError } from '../domain/storage-errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ServiceDeps } from './deps.js';
import {
  EXPORT_DESCRIPTION_FILE,
  GME_IMAGES_FOLDER,
  parseExportMarker,
  provenFilesOf,
  type ExportMarker,
  type LoupeFile,
} from './export-formats.js';

/** A marker is a few KB; anything much larger named export.json is not one. */
const MARKER_MAX_BYTES = 1024 * 1024;

/** Where an export writes and what: checked by checkExportTarget. */
export interface TargetSpec {
  /** The folder, ending with `/`. */
  folder: string;
  /** What the export writes, relative to the folder (`images/` stands for every copy). */
  files: string[];
  overwrite: boolean;
  /** The JobSpec field that named the folder (`JobSpec.exportDirUri` or `JobSpec.uri`): refusals name it. */
  field: string;
  /** PAI's layout: the folder is this export's own new one; another export found in it is never replaced. */
  fresh?: boolean;
}

export interface ExportTarget {
  /** The folder, ending with `/`. */
  folder: string;
  store: ObjectStore;
  /** What this export writes, relative to the folder (`images/` stands for every copy). */
  files: string[];
  /**
   * The files of the folder an earlier Loupe export wrote, as its marker recorded them: carried into
   * this export's marker, each replaced by a fresh entry once this export has rewritten that file.
   */
  loupeFiles: LoupeFile[];
  /** The folder's `export.json` as found, when it is Loupe's: put back if this export publishes nothing. */
  previous?: { text: string; marker: ExportMarker };
}

/**
 * Checks that the export of `spec` may write where it says; throws a 400 (a dataset's folder, a folder
 * not allowed) or a 409 (a file Loupe did not write or that changed since, a previous export without
 * `overwrite`). `jobId` is the running job's: its own marker, from an earlier delivery, is replaced
 * without asking, and so are the files that delivery may have written.
 */
export async function checkExportTarget(deps: ServiceDeps, spec: TargetSpec, jobId?: string): Promise<ExportTarget> {
  const { folder, files, field } = spec;
  const refused = (message: string) => new DomainError('Conflict', `${field}: ${message}`, field);
  try {
    const store = deps.objects.forUri(folder);
    // Reading the marker first puts the target through the store's confinement: a folder outside the
    // allowed ones is refused alike whatever it links to.
    const previous = await readMarker(store, folder + EXPORT_DESCRIPTION_FILE);
    await refuseDatasetFolders(deps, store, folder, files, field);
    const own = previous !== undefined && jobId !== undefined && previous.marker.DatasetJobId === jobId;
    if (previous && !own && spec.fresh) {
      throw refused(
        `'${folder}' holds the export of job ${previous.marker.DatasetJobId} (${previous.marker.Files.join(', ')}), made in the same second: ` +
          'an export in PAI\'s layout writes a new folder, never over another export; create the export again',
      );
    }
    if (previous && !own && !spec.overwrite) {
      throw refused(
        `'${folder}' holds the export of job ${previous.marker.DatasetJobId} (${previous.marker.Files.join(', ')}): ` +
          'set "overwrite": true in the JobSpec to replace it, or export into an empty folder',
      );
    }
    if (previous && !own && previous.marker.Status === 'Running') {
      const writer = await deps.store.getJob(previous.marker.DatasetJobId);
      if (writer && (writer.status === 'Pending' || writer.status === 'Running')) {
        throw refused(`job ${writer.datasetJobId} is exporting into '${folder}' now: wait for it or stop it`);
      }
    }
    const proven = previous ? provenFilesOf(previous.marker) : new Map<string, LoupeFile>();
    // This job's earlier delivery may have rewritten its files before it stopped: they were checked
    // when the job was created and when that delivery started.
    if (!own) for (const f of files) await refuseUnproven(store, folder, f, previous, proven.get(f), refused);
    if (!previous) {
      const other = await firstObjectUnder(store, folder);
      if (other) {
        throw refused(
          `'${folder}' is not empty (it holds '${other}', which Loupe did not write): ` +
            (spec.fresh ? 'an export in PAI\'s layout writes into a new folder; create the export again' : 'export into an empty folder, or into the folder of a previous Loupe export'),
        );
      }
    }
    return { folder, store, files, loupeFiles: [...proven.values()], ...(previous ? { previous } : {}) };
  } catch (e) {
    // Outside the allowed folders (403), not a URI this server can write, or a folder it cannot read
    // or name (EACCES, ENAMETOOLONG…: 400): a bad JobSpec.uri, now rather than a failed job later.
    if (isDomainError(e) && (e.kind === 'Forbidden' || (e.kind === 'Invalid' && !e.field?.startsWith('JobSpec')))) {
      throw withField(e, field);
    }
    const cause = permanentStorageError(e);
    if (cause) throw invalid(`${field}: cannot use '${folder}': ${cause}`, field);
    throw e;
  }
}

/**
 * Refuses to let the export write `f` (relative to the folder) over anything Loupe cannot prove it
 * wrote: a file with no entry in the marker, a file whose ETag is no longer the recorded one, an
 * `images/` whose files changed in any way since the export that wrote them ended. The folder's
 * `export.json`, when it is a marker, is Loupe's by its content.
 */
async function refuseUnproven(
  store: ObjectStore,
  folder: string,
  f: string,
  marker: ExportTarget['previous'],
  entry: LoupeFile | undefined,
  refused: (message: string) => DomainError,
): Promise<void> {
  const uri = folder + f;
  if (f === EXPORT_DESCRIPTION_FILE && marker) return;
  // An older marker lists bare names: it says so, but nothing shows the file is still the one it wrote.
  const unproven = marker?.marker.LoupeFiles?.includes(f) ? ' (or not provably: its export.json records no ETag for it)' : '';
  const notLoupes = (found: string) => refused(`the export would replace '${found}', which Loupe did not write${unproven}: export into an empty folder`);
  if (f.endsWith('/')) {
    if (!entry) {
      const found = await firstObjectUnder(store, uri);
      if (found) throw notLoupes(found);
      return;
    }
    const now = await folderEtag(store, uri);
    if (now.count === 0 || now.etag === entry.ETag) return;
    throw refused(
      `the export would replace files in '${uri}', which changed after Loupe wrote them ` +
        `(${now.count} files now, ${entry.Count ?? '?'} when Loupe wrote them; the last modified is '${now.latest}'): export into an empty folder`,
    );
  }
  const found = await headOrNothing(store, uri);
  if (!found) return;
  if (!entry) throw notLoupes(found.uri);
  if (found.etag !== entry.ETag) {
    throw refused(`the export would replace '${found.uri}', which was changed after Loupe wrote it: export into an empty folder`);
  }
}

/**
 * Refuses a folder inside (or equal to) any dataset version's folder, and copies into an `images/`
 * that is inside, or holds, one. Folders compare both as named (normalised: decoded, repeated slashes
 * folded, a trailing slash) and canonical (the store resolves symlinks), so that neither a link to a
 * dataset's folder nor a dataset registered through a link lets an export in.
 */
async function refuseDatasetFolders(deps: ServiceDeps, store: ObjectStore, folder: string, files: string[], field: string): Promise<void> {
  const target = await spellingsOf(store, folder);
  const images = files.includes(GME_IMAGES_FOLDER) ? await spellingsOf(store, folder + GME_IMAGES_FOLDER) : [];
  for (const v of await deps.store.listVersionFolders()) {
    const own = await versionSpellingsOf(deps, v.uri);
    const where = `dataset '${v.datasetId}' version ${v.versionName} (${v.uri})`;
    for (const o of own) {
      const t = target.find((t) => t.startsWith(o));
      if (t !== undefined) {
        throw invalid(`${field}: '${folder}' is ${t === o ? 'the folder' : 'inside the folder'} of ${where}; an export never writes into a dataset`, field);
      }
      if (images.some((i) => o.startsWith(i) || i.startsWith(o))) {
        throw invalid(`${field}: the images would be copied into '${folder}${GME_IMAGES_FOLDER}', which is or holds ${where}; an export never writes into a dataset`, field);
      }
    }
  }
}

/** A target folder as named and as the store resolves it (an error resolving it is the target's). */
async function spellingsOf(store: ObjectStore, uri: string): Promise<string[]> {
  return [...new Set([folderKey(uri), folderKey(await store.canonicalFolder(uri))])];
}

/**
 * A version's folder as named and, when its store can resolve it, canonical. A folder that cannot be
 * resolved (a scheme no store serves now, a folder unreadable) still compares as named.
 */
async function versionSpellingsOf(deps: ServiceDeps, uri: string): Promise<string[]> {
  const named = folderKey(uri);
  try {
    return [...new Set([named, folderKey(await deps.objects.forUri(uri).canonicalFolder(uri))])];
  } catch {
    return [named];
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

async function headOrNothing(store: ObjectStore, uri: string) {
  try {
    return await store.head(uri);
  } catch (e) {
    if (isDomainError(e) && e.kind === 'NotFound') return undefined;
    throw e;
  }
}

async function firstObjectUnder(store: ObjectStore, prefix: string): Promise<string | undefined> {
  return (await store.list(prefix, { maxKeys: 1 })).objects[0]?.uri;
}

/**
 * The "ETag" of a folder: a digest of the name (relative to the folder) and ETag of every file under
 * it, in listing order. Any file added, removed, edited or renamed changes it. Also the number of
 * files and the one modified last (what a refusal names).
 */
export async function folderEtag(store: ObjectStore, prefix: string): Promise<{ etag: string; count: number; latest?: string }> {
  const hash = createHash('sha256');
  const base = folderKey(prefix);
  let count = 0;
  let latest: { uri: string; at: number } | undefined;
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { cursor });
    for (const o of page.objects) {
      const key = folderKey(o.uri).slice(0, -1);
      hash.update(key.startsWith(base) ? key.slice(base.length) : key).update('\0').update(o.etag).update('\n');
      count++;
      if (!latest || o.lastModified.getTime() > latest.at) latest = { uri: o.uri, at: o.lastModified.getTime() };
    }
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { etag: `sha256:${hash.digest('hex')}`, count, ...(latest ? { latest: latest.uri } : {}) };
}

/** What a marker records for the `images/` an export leaves in `folder`. */
export async function imagesEntryOf(store: ObjectStore, folder: string): Promise<LoupeFile> {
  const { etag, count } = await folderEtag(store, folder + GME_IMAGES_FOLDER);
  return { Name: GME_IMAGES_FOLDER, ETag: etag, Count: count };
}
