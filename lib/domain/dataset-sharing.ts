// PAI's dataset sharing between workspaces (UpdateDataset SharingConfig.SharedTo, PAI's
// DatasetShareRelationship). A dataset is shared to other workspaces of the one tenant Loupe has: from a
// workspace it is shared to, the dataset and what belongs to it can be read (GetDataset, ListDatasets,
// its versions and file metas) until the share's ExpiresAt; nothing can be changed from there (403).
// The owner's workspace sees what it always saw, plus the share list.
import { invalid } from './errors.js';
import { WorkspaceId } from './workspace.js';

/** PAI's mount access levels: RO (default) or RW. Loupe mounts nothing: stored and returned. */
export const MOUNT_ACCESS_LEVELS = ['RO', 'RW'] as const;
export type MountAccessLevel = (typeof MOUNT_ACCESS_LEVELS)[number];

/** PAI's ListDatasets ShareScope: TO_ME (only datasets shared to the workspace), BY_ME (only its datasets it shares). */
export const SHARE_SCOPES = ['TO_ME', 'BY_ME'] as const;
export type ShareScope = (typeof SHARE_SCOPES)[number];

/**
 * The statuses Loupe sets: ACTIVE until ExpiresAt, EXPIRED after. (PAI's REVOKED and INVALID never
 * show: a share removed from the list is gone, and a deleted dataset's shares go with it.)
 */
export type ShareStatus = 'ACTIVE' | 'EXPIRED';

export const MAX_SHARES = 100;

/** One share of a dataset, as stored. */
export interface DatasetShare {
  /** The workspace it is shared to (never the dataset's own). */
  workspaceId: string;
  /** PAI's target tenant, as given ('' when none): Loupe has one tenant, so it is descriptive. */
  tenantId: string;
  allowedMountAccessLevels: MountAccessLevel[];
  /** ISO 8601 UTC (toISOString); '' never expires. */
  expiresAt: string;
  /** When it was shared (ISO 8601 UTC). */
  sharedAt: string;
  isSecureMode: boolean;
  /** A JSON object as a string ('' when none). */
  extra: string;
}

/** A share as PAI's DatasetShareRelationship shows it: with its status and its source. */
export interface ShareRelationship extends DatasetShare {
  status: ShareStatus;
  /** The dataset's workspace. */
  sourceWorkspaceId: string;
  /** The one tenant: the TenantId of the share. */
  sourceTenantId: string;
}

export const shareStatus = (s: DatasetShare, now: Date): ShareStatus =>
  s.expiresAt !== '' && Date.parse(s.expiresAt) <= now.getTime() ? 'EXPIRED' : 'ACTIVE';

export const relationshipOf = (s: DatasetShare, sourceWorkspaceId: string, now: Date): ShareRelationship => ({
  ...s,
  status: shareStatus(s, now),
  sourceWorkspaceId,
  sourceTenantId: s.tenantId,
});

/** The ACTIVE share of `shares` to `workspace`, if there is one. */
export const activeShareTo = (shares: readonly DatasetShare[], workspace: string, now: Date): DatasetShare | undefined =>
  shares.find((s) => s.workspaceId === workspace && shareStatus(s, now) === 'ACTIVE');

/** A share as a request states it (PAI's DatasetShareRelationship; the fields Loupe sets are checked, not taken). */
export interface ShareInput {
  workspaceId?: string;
  tenantId?: string;
  sourceWorkspaceId?: string;
  sourceTenantId?: string;
  allowedMountAccessLevels?: string[];
  expiresAt?: string;
  isSecureMode?: boolean;
  extra?: string;
  /** Loupe's to set: a value sent back (e.g. from GetDataset) is accepted and replaced. */
  sharedAt?: string;
  status?: string;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The share list after UpdateDataset gives `inputs` for a dataset of `ownerWorkspace` whose shares are
 * `current`. It replaces the list ([] unshares). Each entry names another workspace, once; ExpiresAt is
 * ISO 8601 and in the future (an entry sent back unchanged may keep a past one: it stays EXPIRED); a
 * workspace already shared to keeps its SharedAt, unless that share had expired and gets a new ExpiresAt.
 */
export function nextShares(inputs: readonly ShareInput[], current: readonly DatasetShare[], ownerWorkspace: string, now: Date): DatasetShare[] {
  const field = (i: number, name: string) => `SharingConfig.SharedTo.${i}.${name}`;
  if (inputs.length > MAX_SHARES) throw invalid(`at most ${MAX_SHARES} shares per dataset`, 'SharingConfig.SharedTo');
  const seen = new Set<string>();
  return inputs.map((input, i) => {
    const ws = input.workspaceId ?? '';
    if (ws === '') throw invalid('WorkspaceId: required (the workspace the dataset is shared to)', field(i, 'WorkspaceId'));
    const parsed = WorkspaceId.safeParse(ws);
    if (!parsed.success) throw invalid(parsed.error.issues[0]?.message ?? 'invalid WorkspaceId', field(i, 'WorkspaceId'));
    if (ws === ownerWorkspace) throw invalid(`WorkspaceId '${ws}' is the dataset's own workspace: share it to another one`, field(i, 'WorkspaceId'));
    if (seen.has(ws)) throw invalid(`WorkspaceId '${ws}' is in the list twice`, field(i, 'WorkspaceId'));
    seen.add(ws);
    if (input.sourceWorkspaceId !== undefined && input.sourceWorkspaceId !== '' && input.sourceWorkspaceId !== ownerWorkspace) {
      throw invalid(`SourceWorkspaceId is the dataset's workspace ('${ownerWorkspace}'), not '${input.sourceWorkspaceId}'`, field(i, 'SourceWorkspaceId'));
    }
    const tenantId = input.tenantId ?? '';
    if (input.sourceTenantId !== undefined && input.sourceTenantId !== '' && input.sourceTenantId !== tenantId) {
      throw invalid('SourceTenantId: Loupe has one tenant, so a dataset is shared within it: SourceTenantId is the TenantId (or absent)', field(i, 'SourceTenantId'));
    }
    const levels = input.allowedMountAccessLevels ?? ['RO'];
    if (levels.length === 0) throw invalid('AllowedMountAccessLevels: at least one of RO, RW (absent: RO)', field(i, 'AllowedMountAccessLevels'));
    const bad = levels.find((l) => !(MOUNT_ACCESS_LEVELS as readonly string[]).includes(l));
    if (bad !== undefined) throw invalid(`AllowedMountAccessLevels: '${bad}' is neither RO nor RW`, field(i, 'AllowedMountAccessLevels'));
    const previous = current.find((s) => s.workspaceId === ws);
    let expiresAt = '';
    if (input.expiresAt !== undefined && input.expiresAt !== '') {
      const t = ISO_8601.test(input.expiresAt) ? Date.parse(input.expiresAt) : NaN;
      const iso = Number.isNaN(t) ? '' : new Date(t).toISOString();
      if (!/^\d{4}-/.test(iso)) throw invalid(`ExpiresAt '${input.expiresAt}' is not an ISO 8601 time, e.g. 2030-08-27T12:23:58Z`, field(i, 'ExpiresAt'));
      const unchanged = previous !== undefined && previous.expiresAt === iso;
      if (t <= now.getTime() && !unchanged) throw invalid(`ExpiresAt ${iso} is past: a share expires in the future (absent: never)`, field(i, 'ExpiresAt'));
      expiresAt = iso;
    }
    // The same share goes on (its SharedAt kept) unless it had expired and is given a new life.
    const keepsSharedAt = previous !== undefined && (shareStatus(previous, now) === 'ACTIVE' || previous.expiresAt === expiresAt);
    return {
      workspaceId: ws,
      tenantId,
      allowedMountAccessLevels: [...new Set(levels as MountAccessLevel[])],
      expiresAt,
      sharedAt: keepsSharedAt ? previous.sharedAt : now.toISOString(),
      isSecureMode: input.isSecureMode ?? false,
      extra: input.extra ?? '',
    };
  });
}
