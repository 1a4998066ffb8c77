// One local server per data directory. The server holds an exclusive SQLite lock on `<dataDir>/server.lock`
// for as long as it runs; the OS drops it when the process ends, however it ends (SIGKILL included), so a
// crash never leaves a stale lock behind. Holding it is what lets a starting server treat every message
// still in flight in the queue as its dead predecessor's. Worker threads of the server do not take it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makePrivateDir, preparePrivateSqliteFile, PRIVATE_FILE_MODE } from '../adapters/private-files.js';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

export interface DataDirLock {
  /** Gives the data directory up (on stop). */
  release(): void;
}

/** Takes the data directory for this process, or throws DataDirLockedError naming the server that has it. */
export function lockDataDir(dataDir: string): DataDirLock {
  makePrivateDir(dataDir);
  const file = path.join(dataDir, 'server.lock');
  // The PID is only for the message: the lock itself is the database's.
  const pidFile = path.join(dataDir, 'server.pid');
  // Made 0600 before SQLite opens it, like every database of the data directory.
  preparePrivateSqliteFile(file);
  // timeout 0: a held lock is an answer, not something to wait for.
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY'); // nothing in it is worth a journal file
    // In exclusive locking mode the first write takes the EXCLUSIVE lock and keeps it until close.
    db.exec(`BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (pid INTEGER); DELETE FROM held; INSERT INTO held VALUES (${process.pid}); COMMIT;`);
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    const pid = readPid(pidFile);
    throw new DataDirLockedError(
      `the data directory ${dataDir} is in use by another Loupe server${pid ? ` (pid ${pid})` : ''}: stop it first, or set LOUPE_DATA_DIR to another folder`,
    );
  }
  writeFileSync(pidFile, `${process.pid}\n`, { mode: PRIVATE_FILE_MODE });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
