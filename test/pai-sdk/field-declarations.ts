// For each PAI field the SDK workflow (workflow.py) does not send or see, or sends without effect:
// whether Loupe supports it, and why not (or which test covers it). Keys: `<Operation> <req|resp> <Field>`,
// or `* <req|resp> <Field>` for every operation that has the field (nested names as A.B / A[].B,
// matched at any depth with `**` meaning "any prefix"). compat-table.ts turns these and the workflow's
// record into docs/pai-compatibility.md; a field neither exercised nor declared fails the suite.
export interface Declaration {
  supported: boolean;
  why: string;
}

const no = (why: string): Declaration => ({ supported: false, why });
const covered = (why: string): Declaration => ({ supported: true, why });

const COMPUTED = no('Loupe counts the live files itself (DataCount, DataSize in responses); a value given here is ignored');
const NO_ROLES = no('stored and returned as given; Loupe has no workspace roles, so it grants nothing');
const NO_RAM_ROLE = no("stored and returned as given; Loupe's jobs use its own credentials, not a RAM role");
const NO_METRICS = no('stored and returned as given; PAI-internal monitoring of a mounted dataset, no meaning in Loupe');
const NO_MOUNT = no('Loupe does not mount datasets into containers (DSW/DLC); there is no mount access to report');

export const FIELD_DECLARATIONS: Record<string, Declaration> = {
  'CreateDataset req DataCount': COMPUTED,
  'CreateDataset req DataSize': COMPUTED,
  'CreateDatasetVersion req DataCount': COMPUTED,
  'CreateDatasetVersion req DataSize': COMPUTED,
  'UpdateDatasetVersion req DataCount': COMPUTED,
  'UpdateDatasetVersion req DataSize': COMPUTED,
  '** req AccessibleRoleIdList': NO_ROLES,
  '** resp AccessibleRoleIdList': NO_ROLES,
  '** req MountAccessReadWriteRoleIdList': NO_ROLES,
  '** resp MountAccessReadWriteRoleIdList': NO_ROLES,
  '** req DatasetTaskRamRole': NO_RAM_ROLE,
  '** resp DatasetTaskRamRole': NO_RAM_ROLE,
  '** req UserMetricsEndpoints': NO_METRICS,
  '** req UserMetricsEndpoints[].Path': NO_METRICS,
  '** req UserMetricsEndpoints[].Port': NO_METRICS,
  '** resp UserMetricsEndpoints': NO_METRICS,
  '** resp UserMetricsEndpoints[].Path': NO_METRICS,
  '** resp UserMetricsEndpoints[].Port': NO_METRICS,
  '** resp MountAccess': NO_MOUNT,
  '** resp TagTemplateType': no('the labeling template of an iTAG dataset; Loupe has no iTAG labeling'),
  ...Object.fromEntries(
    ['', '.AllowedMountAccessLevels', '.ExpiresAt', '.Extra', '.IsSecureMode', '.SharedAt', '.SourceTenantId', '.SourceWorkspaceId', '.Status', '.TenantId', '.WorkspaceId'].map((f) => [
      `GetDataset resp SharedFrom${f}`,
      covered(
        "the SDK's GetDataset sends no WorkspaceId, so it always gets the owner's view; the view from a workspace the dataset is shared to (SharedFrom) is read with Loupe's WorkspaceId query parameter in test/unit/api-dataset-sharing.test.ts, and by the SDK's ListDatasets here",
      ),
    ]),
  ),
  'ListDatasetFileMetas req QueryVideo': no('Loupe indexes images: a video query is a 400 InvalidParameter, never ignored'),
  ...Object.fromEntries(
    ['ContentType', 'DataSize', 'FileCreateTime', 'FileFingerPrint', 'FileName', 'FileType', 'FileUpdateTime', 'SemanticIndexJobId', 'SemanticIndexUpdateTime'].map((f) => [
      `UpdateDatasetFileMetas req DatasetFileMetas[].${f}`,
      no("the file's facts are Loupe's (FileMetaBuild reads them from storage): an item that changes one fails, named in FailedDetails; delete and create the meta to register other facts"),
    ]),
  ),
};
