// The manifest of an export in PAI's layout (`pai_dataset_filemeta_manifest.yaml`): which JSON-lines
// files it names. Read by Loupe's SDK (loadManifest) and by FileMetaImport; pure (no I/O).

/** The manifest of an export in PAI's layout. */
export const PAI_MANIFEST_FILE = 'pai_dataset_filemeta_manifest.yaml';

/**
 * The JSON-lines files a PAI manifest names, in order: the `name:` entries of its `files:` list.
 * A name that leaves the manifest's folder (absolute, or with `..`) is refused.
 */
export function paiFilesOf(text: string, where = PAI_MANIFEST_FILE): string[] {
  const out: string[] = [];
  let inFiles = false;
  for (const raw of text.split(/\r?\n/)) {
    if (/^files:/.test(raw)) {
      inFiles = true;
      continue;
    }
    if (/^\S/.test(raw)) inFiles = false;
    const m = inFiles ? /^\s*(?:-\s+)?name:\s*(.+?)\s*$/.exec(raw) : null;
    if (!m) continue;
    const name = yamlScalar(m[1]!);
    // The name is the file's text: never quoted (the file may be anything), only its place in the list.
    if (!name || name.startsWith('/') || name.split(/[\\/]/).includes('..')) throw new Error(`${where}: a file name that leaves the export's folder: #${out.length + 1}`);
    out.push(name);
  }
  return out;
}

/** Whether the text has a `files:` list at all (a PAI manifest has one, maybe empty: `files: []`). */
export const hasPaiFilesList = (text: string): boolean => /^files:/m.test(text);

/** A YAML scalar as the manifest writes it: double-quoted (with \\ \" \uXXXX \UXXXXXXXX escapes), single-quoted or plain. */
function yamlScalar(s: string): string {
  if (s.startsWith("'")) return s.slice(1, s.lastIndexOf("'")).replace(/''/g, "'");
  if (!s.startsWith('"')) return s.replace(/\s+#.*$/, '');
  const body = s.slice(1, s.lastIndexOf('"'));
  return body.replace(/\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, e: string) => {
    if (/^[Uux]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}
