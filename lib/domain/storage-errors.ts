// Storage errors that no retry cures. A queue redelivering a step that hit one of these only fails the
// same way again (an export to a read-only folder ran 6 deliveries before), so the step fails at once
// with the cause. Anything else (EIO, EMFILE, EAGAIN, a reset connection…) may pass and is retried.

/**
 * Permission (EACCES, EPERM, EROFS), shape (ENOTDIR, EISDIR, EEXIST, ELOOP, ENAMETOOLONG, EINVAL: a
 * name the filesystem refuses) and space (ENOSPC, EDQUOT, EFBIG: a full disk is not freed within a
 * redelivery's minutes, and each retry would fill it again).
 */
const PERMANENT_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ELOOP', 'ENAMETOOLONG', 'EINVAL', 'ENOSPC', 'EDQUOT', 'EFBIG']);

/**
 * The cause of a permanent storage error as Node words it (`EACCES: permission denied, mkdir '/x'`:
 * the code, its meaning, the call and the path, never file bytes); undefined for any other error.
 */
export function permanentStorageError(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !PERMANENT_CODES.has(code)) return undefined;
  const message = e instanceof Error ? e.message : '';
  return message.startsWith(code) ? message : `${code}${message ? `: ${message}` : ''}`;
}
