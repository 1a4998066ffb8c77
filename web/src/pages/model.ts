// The resources the pages show, as the API sends them (lib/http/dto.ts), and the reads several pages
// share: every dataset, connection and tag definition (small lists, read whole).
import { get, seg } from '../api.js';
import { allByToken } from './load.js';

export interface DatasetVersion {
  DatasetId: string;
  VersionName: string;
  Description: string;
  Uri: string;
  DataSourceType?: string;
  DataCount: number;
  DataSize: number;
  GmtCreateTime: string;
}

export interface Dataset {
  DatasetId: string;
  WorkspaceId: string;
  Name: string;
  Description: string;
  Edition: 'BASIC' | 'ADVANCED' | 'LOGICAL';
  DataType: string;
  DataSourceType?: string;
  Uri: string;
  LatestVersion?: DatasetVersion;
  GmtCreateTime: string;
}

export interface Connection {
  ConnectionId: string;
  ConnectionName: string;
  ConnectionType: string;
  Configs: Record<string, string>;
  /** Names of the secrets held; the values are masked by the API and never shown here. */
  Secrets: Record<string, string>;
  Models: Array<{ Model: string; ModelType?: string }>;
  Description: string;
  WorkspaceId: string;
  GmtCreateTime: string;
}

export interface TagItem {
  Name: string;
  Description: string;
  Values?: string[];
}

export interface TagDefinition {
  TagDefinitionId: string;
  Name: string;
  GuidePrompt: string;
  Tags: TagItem[];
  Version: number;
  Description: string;
  WorkspaceId: string;
  GmtModifiedTime: string;
}

export const datasetPath = (id: string) => `/api/v1/datasets/${seg(id)}`;

/** Every dataset, newest first (PageNumber/PageSize pages of 100, at most 2,000). */
export async function listDatasets(signal?: AbortSignal): Promise<Dataset[]> {
  const out: Dataset[] = [];
  for (let n = 1; n <= 20; n++) {
    const r = await get<{ Datasets: Dataset[]; TotalCount: number }>('/api/v1/datasets', { PageSize: 100, PageNumber: n, SortBy: 'GmtCreateTime', Order: 'DESC' }, signal);
    out.push(...r.Datasets);
    if (r.Datasets.length < 100 || out.length >= r.TotalCount) break;
  }
  return out;
}

export async function listVersions(datasetId: string, signal?: AbortSignal): Promise<DatasetVersion[]> {
  const out: DatasetVersion[] = [];
  for (let n = 1; n <= 20; n++) {
    const r = await get<{ DatasetVersions: DatasetVersion[]; TotalCount: number }>(`${datasetPath(datasetId)}/versions`, { PageSize: 100, PageNumber: n }, signal);
    out.push(...r.DatasetVersions);
    if (r.DatasetVersions.length < 100 || out.length >= r.TotalCount) break;
  }
  return out;
}

export const listConnections = (signal?: AbortSignal) =>
  allByToken(async (token) => {
    const r = await get<{ Connections: Connection[]; NextToken?: string }>('/api/v1/connections', { MaxResults: 100, NextToken: token }, signal);
    return { items: r.Connections, next: r.NextToken };
  });

export const listTagDefinitions = (signal?: AbortSignal) =>
  allByToken(async (token) => {
    const r = await get<{ TagDefinitions: TagDefinition[]; NextToken?: string }>('/api/v1/tagdefinitions', { MaxResults: 100, NextToken: token }, signal);
    return { items: r.TagDefinitions, next: r.NextToken };
  });
