// Which local paths Loupe may read and write: only under its roots, and never Loupe's data directory,
// a system folder or a hidden entry, whatever the roots contain. The one place this rule lives: the
// local-folder object store asks it about every path it touches, as given and after symlinks.
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../domain/errors.js';

/**
 * Never served, even inside a root. `/root` is the system administrator's home: it is allowed only
 * when a root lies inside it (a root under `/root` is accepted at start-up only when Loupe's own home
 * is `/root`, see `fileRootsOf`).
 */
export const SYSTEM_FOLDERS: readonly string[] = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/snap',
  '/sys',
  '/usr',
  // /var/tmp stays allowed: like /tmp, it is where users may put their own files.
  '/var/backups',
  '/var/cache',
  '/var/lib',
  '/var/log',
  '/var/mail',
  '/var/run',
  '/var/spool',
];
const ADMIN_HOME = '/root';

export const isInside = (child: string, parent: string) =>
  child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);

/** The first component of `rel` (a path relative to a root) that is hidden (starts with `.`). */
const hiddenComponent = (rel: string) => (rel === '' ? undefined : rel.split(path.sep).find((c) => c.startsWith('.')));

/** Real path of `p`; for a path that does not exist yet, the real path of its nearest existing ancestor plus the rest. */
function realPathOf(p: string): string {
  const rest: string[] = [];
  for (let d = p; ; d = path.dirname(d)) {
    try {
      return path.join(realpathSync(d), ...rest.reverse());
    } catch {
      if (d === path.dirname(d)) return p;
      rest.push(path.basename(d));
    }
  }
}

const systemFoldersFor = (roots: readonly string[]) =>
  roots.some((r) => isInside(r, ADMIN_HOME)) ? SYSTEM_FOLDERS.filter((f) => f !== ADMIN_HOME) : SYSTEM_FOLDERS;

/** The system folder holding `p` (as given, else after symlinks: /lib may be /usr/lib), if any. */
function systemFolderOf(p: string, systemFolders: readonly string[]): string | undefined {
  const real = realPathOf(p);
  return systemFolders.find((f) => isInside(p, f)) ?? systemFolders.find((f) => isInside(real, f) || isInside(real, realPathOf(f)));
}

const insideDataDir = (p: string, dataDir: string) => isInside(p, dataDir) || isInside(realPathOf(p), realPathOf(dataDir));

export interface HostFacts {
  /** The directory Loupe starts in (`process.cwd()`). */
  cwd: string;
  /** The user's home (`os.homedir()`). */
  home: string;
  /** The process's user id (`process.getuid()`; undefined where there is none). */
  uid?: number;
}

/**
 * The roots when LOUPE_FILE_ROOTS is unset: the start directory and the user's home. Dropped: the
 * filesystem root `/`, a folder inside a system folder, one equal to or inside the data directory,
 * and `/root` when running as root (the administrator's folder is no default place for datasets).
 */
export function defaultFileRoots(host: HostFacts & { dataDir?: string }): string[] {
  const candidates = [host.cwd, ...(host.uid === 0 && path.resolve(host.home) === ADMIN_HOME ? [] : [host.home])];
  const roots: string[] = [];
  for (const c of candidates.map((p) => path.resolve(p))) {
    if (roots.includes(c) || c === path.parse(c).root) continue;
    if (systemFolderOf(c, SYSTEM_FOLDERS)) continue;
    if (host.dataDir && insideDataDir(c, host.dataDir)) continue;
    roots.push(c);
  }
  return roots;
}

/** A LOUPE_FILE_ROOTS entry that cannot be a root; the message says why. */
export class FileRootsError extends Error {}

/**
 * The roots Loupe serves files from: LOUPE_FILE_ROOTS (`:`-separated) when set, else `defaultFileRoots`.
 * Each configured root must be an existing folder, not `/`, not inside a system folder, and not equal
 * to or inside the data directory; otherwise a FileRootsError.
 */
export function fileRootsOf(setting: string | undefined, host: HostFacts & { dataDir: string }): string[] {
  if (setting === undefined || setting === '') return defaultFileRoots(host);
  const roots: string[] = [];
  for (const entry of setting.split(':').filter(Boolean)) {
    const root = path.resolve(host.cwd, entry);
    let isDir: boolean;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      throw new FileRootsError(`'${entry}' does not exist (each root must be an existing folder)`);
    }
    if (!isDir) throw new FileRootsError(`'${entry}' is not a folder`);
    if (root === path.parse(root).root) throw new FileRootsError(`'${entry}' is the filesystem root: name the folders that hold your images`);
    const canUseAdminHome = path.resolve(host.home) === ADMIN_HOME;
    const system = systemFolderOf(root, canUseAdminHome ? SYSTEM_FOLDERS.filter((f) => f !== ADMIN_HOME) : SYSTEM_FOLDERS);
    if (system) throw new FileRootsError(`'${entry}' is inside the system folder ${system}, which Loupe never serves`);
    if (insideDataDir(root, host.dataDir)) throw new FileRootsError(`'${entry}' is Loupe's data directory or inside it (${host.dataDir}), which Loupe never serves`);
    if (!roots.includes(root)) roots.push(root);
  }
  if (roots.length === 0) throw new FileRootsError('names no folder');
  return roots;
}

export interface FileConfinementOptions {
  /** Absolute folders under which files may be read and written. */
  roots: readonly string[];
  /** Loupe's data directory (keys, databases): never served, even inside a root. */
  dataDir?: string;
}

interface Denied {
  folder: string;
  why: string;
}

/**
 * The confinement rule as checks. `check` is pure (no I/O), so a path is judged before anything is
 * known about it: a refused path gets the same answer whether it exists or not.
 */
export class FileConfinement {
  /** Roots as given and as real paths (a root may itself sit behind a symlink, e.g. /tmp on macOS). */
  private readonly roots: string[];
  private readonly shownRoots: string;
  private readonly denied: Denied[];

  constructor(opts: FileConfinementOptions) {
    const given = [...new Set(opts.roots.map((r) => path.resolve(r)))];
    this.roots = [...new Set(given.flatMap((r) => [r, realPathOf(r)]))];
    this.shownRoots = given.length ? given.join(', ') : 'none: set LOUPE_FILE_ROOTS';
    // Each folder as named, then as real paths (/lib may be /usr/lib): a path is refused in the name
    // of the first that holds it.
    const named: Denied[] = [];
    if (opts.dataDir) named.push({ folder: path.resolve(opts.dataDir), why: "is inside Loupe's data directory, which is never served" });
    for (const f of systemFoldersFor(this.roots)) named.push({ folder: f, why: `is inside the system folder ${f}, which is never served` });
    const real = named.map((d) => ({ ...d, folder: realPathOf(d.folder) })).filter((d, i) => d.folder !== named[i]!.folder);
    this.denied = [...named, ...real];
  }

  /** Forbidden unless `file` (absolute, normalised, as the URI names it) may be read or written. */
  check(file: string, uri: string): void {
    const why = this.refusal(file);
    if (why) throw new DomainError('Forbidden', `'${uri}' ${why}`);
  }

  /** The same rule on the real path (symlinks resolved) of what `uri` names. */
  checkResolved(real: string, uri: string): void {
    if (this.refusal(real)) throw new DomainError('Forbidden', `'${uri}' leads through a symbolic link to a place that is not allowed`);
  }

  allows(p: string): boolean {
    return this.refusal(p) === undefined;
  }

  private refusal(p: string): string | undefined {
    const denied = this.denied.find((d) => isInside(p, d.folder));
    if (denied) return denied.why;
    let hidden: string | undefined;
    for (const root of this.roots) {
      if (!isInside(p, root)) continue;
      const h = hiddenComponent(path.relative(root, p));
      if (h === undefined) return undefined;
      hidden ??= h;
    }
    if (hidden !== undefined) return `is or is inside a hidden entry ('${hidden}'), which is never served`;
    return `is outside the allowed folders (${this.shownRoots})`;
  }
}
