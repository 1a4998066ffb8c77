// Where a file meta registered through the API (CreateDatasetFileMetas) may point: at a file inside its
// version's folder, spelled as a listing of that folder spells it. The spelling matters twice: the
// DatasetFileMetaId is a hash of the Uri (ids.ts), so a later FileMetaBuild listing the same file
// updates this meta instead of adding a second one; and a Uri that leaves the folder (`..`, an encoded
// slash, another host) must never be registered, whatever later reads it. (Reads are confined again
// by the object store: file-confinement.ts.)
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `uri`: the file's Uri as a listing spells it; `root`: the folder's, ending with `/` (its prefix). */
export type UnderRoot = { ok: true; uri: string; root: string } | { ok: false; reason: string };

/**
 * `uri` as a listing of `rootUri` (a version's folder) would spell it, when it names a file strictly
 * inside that folder; otherwise why not. Refused: another scheme or folder, a folder (trailing `/`),
 * `.`/`..`/empty segments (raw or percent-encoded), hidden entries (a listing never shows them),
 * queries, fragments, NUL and other control characters.
 */
export function objectUriUnder(rootUri: string, uri: string): UnderRoot {
  if (/[\u0000-\u001f\u007f]/.test(uri)) return { ok: false, reason: 'Uri contains a control character' };
  if (uri.includes('?') || uri.includes('#')) return { ok: false, reason: "Uri carries no query or fragment (encode '?' as %3F and '#' as %23)" };
  if (uri.endsWith('/')) return { ok: false, reason: 'Uri names a folder; a file meta is a file' };
  const scheme = schemeOf(uri);
  if (!scheme) return { ok: false, reason: 'Uri is not a URI (scheme://…)' };
  if (scheme !== schemeOf(rootUri)) return { ok: false, reason: `Uri must lie inside the version's Uri ${rootUri}` };
  try {
    const root = scheme === 'file' ? canonicalFileFolder(rootUri) : withSlash(rootUri);
    const canonical = scheme === 'file' ? canonicalFileUri(uri) : uri;
    if (!canonical.startsWith(root) || canonical.length === root.length) return { ok: false, reason: `Uri must lie inside the version's Uri ${rootUri}` };
    const bad = badSegment(canonical.slice(root.length));
    if (bad) return { ok: false, reason: bad };
    // The raw text too: the URL parser resolves `..` and `%2e%2e` silently.
    const rawBad = badSegment(uri.slice(uri.indexOf(':') + 1).replace(/^\/\/[^/]*/, ''), true);
    if (rawBad) return { ok: false, reason: rawBad };
    return { ok: true, uri: canonical, root };
  } catch (e) {
    return { ok: false, reason: `Uri is malformed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const schemeOf = (uri: string) => /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
const withSlash = (u: string) => (u.endsWith('/') ? u : `${u}/`);

/** A local path's URI as the local-folder store lists it: `pathToFileURL` of the resolved path. */
function canonicalFileUri(uri: string): string {
  const file = fileURLToPath(new URL(uri));
  if (file.includes('\0')) throw new Error('NUL in path');
  return pathToFileURL(path.resolve(file)).href;
}

function canonicalFileFolder(uri: string): string {
  return withSlash(pathToFileURL(path.resolve(fileURLToPath(new URL(uri)))).href);
}

/** Why a relative key (below the root) is refused, if it is. `all`: also look at the path before the root. */
function badSegment(rel: string, all = false): string | undefined {
  const segments = rel.split(/[/\\]/);
  for (const [i, s] of segments.entries()) {
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      return 'Uri has malformed percent-encoding';
    }
    if (decoded === '..' || decoded === '.') return `'${decoded}' segments are not allowed in Uri`;
    if (all) continue;
    if (decoded.includes('/') || decoded.includes('\\')) return 'Uri has an encoded path separator';
    if (s === '' && i < segments.length - 1) return 'Uri has an empty path segment (//)';
    if (decoded.startsWith('.')) return 'Uri names a hidden entry (a name starting with .), which Loupe never lists or serves';
  }
  return undefined;
}
