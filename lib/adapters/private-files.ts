// Loupe's data files are its user's alone: folders it creates are 0700, files 0600 (the metadata
// database holds tag errors and job logs, the key files seal every connection secret and open the API).
import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) 0700; an existing folder is left as it is. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Makes sure an SQLite database file exists with mode 0600 before SQLite opens it (SQLite gives its
 * -wal and -shm files the database's mode), and tightens files left by an older version.
 */
export function preparePrivateSqliteFile(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  makePrivateDir(path.dirname(file));
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tighten(f, PRIVATE_FILE_MODE);
}

/**
 * At start: the data folder is created 0700, or tightened to 0700, and the entries Loupe keeps in it
 * (`owned`: files 0600, folders 0700 with all they hold); symlinks are neither followed nor changed,
 * and nothing else in the folder is touched. A shared sticky folder (like /tmp) given as the data
 * folder keeps its own mode.
 */
export function secureDataDir(dir: string, owned: readonly string[]): void {
  makePrivateDir(dir);
  const st = lstatSync(dir);
  if (st.isDirectory() && (st.mode & 0o1000) === 0) chmodSync(dir, PRIVATE_DIR_MODE);
  for (const name of owned) {
    const p = path.join(dir, name);
    const kind = entryKind(p);
    if (kind === 'dir') {
      tighten(p, PRIVATE_DIR_MODE);
      tightenTree(p);
    } else if (kind === 'file') tighten(p, PRIVATE_FILE_MODE);
  }
}

function entryKind(p: string): 'dir' | 'file' | undefined {
  try {
    const st = lstatSync(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function tightenTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      tighten(p, PRIVATE_DIR_MODE);
      tightenTree(p);
    } else if (entry.isFile()) tighten(p, PRIVATE_FILE_MODE);
  }
}

/** chmod unless already that mode (a file vanishing meanwhile is fine). */
function tighten(p: string, mode: number): void {
  let st: Stats;
  try {
    st = lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isSymbolicLink() || (st.mode & 0o777) === mode) return;
  chmodSync(p, mode);
}
