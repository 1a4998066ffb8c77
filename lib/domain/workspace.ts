// PAI's WorkspaceId (issue 11, item 7). Every resource stores the workspace it was created in ('' when
// the request named none). A request that names a workspace sees only that workspace's resources: a
// resource of another workspace is not found (404), never listed. A request that names none is not
// filtered (the access model, who may name which workspace, comes later; the data model starts here).
import { z } from 'zod';
import { invalid } from './errors.js';

/** PAI's workspace ids are numeric strings (e.g. "1234"); Loupe takes any short token. */
export const WorkspaceId = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_-]*$/, 'a WorkspaceId is letters, digits, _ and - (at most 64)');

/** The workspace a request names, or undefined when it names none (an empty string is none). */
export function requestedWorkspace(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const r = WorkspaceId.safeParse(value);
  if (!r.success) throw invalid(r.error.issues[0]?.message ?? 'invalid WorkspaceId', 'WorkspaceId');
  return r.data;
}

/** Whether a resource stored in `resourceWorkspace` is visible to a request that named `requested`. */
export const visibleIn = (resourceWorkspace: string, requested: string | undefined): boolean =>
  requested === undefined || resourceWorkspace === requested;

/**
 * Whether a job of a dataset in `jobWorkspace` ('' : none) may use a connection or prompt stored in
 * `resourceWorkspace`: one of its own workspace, or one made naming no workspace (shared
 * configuration, as a request naming none made it); never another workspace's, whose keys and prompts
 * are that workspace's. A dataset in no workspace may use any.
 */
export const usableFrom = (resourceWorkspace: string, jobWorkspace: string): boolean =>
  jobWorkspace === '' || resourceWorkspace === '' || resourceWorkspace === jobWorkspace;

