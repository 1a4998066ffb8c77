// `loupe datasets create|list`.
import type { CreateDatasetRequest } from '../lib/sdk/index.js';
import { collectPages } from './collect-pages.js';
import {
  choiceFlag,
  clientOf,
  GLOBAL_HELP,
  intFlag,
  noMorePositionals,
  parseCommand,
  printHelp,
  runSubcommand,
  uriOf,
  UsageError,
  writeJson,
  type CliIo,
} from './context.js';
import { formatTable } from './format-table.js';

export const DATASETS_HELP = `Usage: loupe datasets <command>

  create --name <name> --uri <uri|folder> [--edition BASIC|ADVANCED] [--description <text>]
         [--workspace <id>]
                    register a storage URI (file:///…/, oss://bucket/prefix/ or a local folder);
                    nothing is copied; prints the DatasetId (Edition BASIC, PAI's default, and
                    ADVANCED are the same here: a folder with file metas)
  create --name <name> --edition LOGICAL
                    a logical dataset: its versions are made by exports (loupe export --logical)
  list [--name <substring>] [--edition BASIC|ADVANCED|LOGICAL] [--workspace <id>] [--max <n>] [--all] [--json]
                    newest first

${GLOBAL_HELP}
`;

export function datasetsCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommand('datasets', argv, io, { create: datasetsCreate, list: datasetsList }, DATASETS_HELP);
}

async function datasetsCreate(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('datasets', argv, {
    name: { type: 'string' },
    uri: { type: 'string' },
    edition: { type: 'string' },
    description: { type: 'string' },
    workspace: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return printHelp(io, DATASETS_HELP);
  noMorePositionals(positionals, 0, 'datasets');
  if (!values.name) throw new UsageError('--name is required', 'datasets');
  const edition = choiceFlag(values.edition?.toUpperCase(), 'edition', ['BASIC', 'ADVANCED', 'LOGICAL'] as const, 'datasets');
  if (edition === 'LOGICAL' && values.uri) throw new UsageError('a LOGICAL dataset has no --uri: exports make its versions', 'datasets');
  if (edition !== 'LOGICAL' && !values.uri) throw new UsageError('--uri is required (or --edition LOGICAL)', 'datasets');
  const req: CreateDatasetRequest = {
    Name: values.name,
    ...(edition ? { Edition: edition } : {}),
    ...(values.uri ? { Uri: uriOf(values.uri, io.cwd, true) } : {}),
    ...(values.description ? { Description: values.description } : {}),
    ...(values.workspace ? { WorkspaceId: values.workspace } : {}),
  };
  const r = await clientOf(values, io).createDataset(req);
  if (values.json) writeJson(io, r);
  else io.stdout.write(`${r.DatasetId}\n`);
  return 0;
}

async function datasetsList(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('datasets', argv, {
    name: { type: 'string' },
    edition: { type: 'string' },
    workspace: { type: 'string' },
    max: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return printHelp(io, DATASETS_HELP);
  noMorePositionals(positionals, 0, 'datasets');
  const edition = choiceFlag(values.edition?.toUpperCase(), 'edition', ['BASIC', 'ADVANCED', 'LOGICAL'] as const, 'datasets');
  const client = clientOf(values, io);
  const query = {
    ...(values.name ? { Name: values.name } : {}),
    ...(edition ? { Edition: edition } : {}),
    ...(values.workspace ? { WorkspaceId: values.workspace } : {}),
    SortBy: 'GmtCreateTime' as const,
    Order: 'DESC' as const,
    MaxResults: values.max ? intFlag(values.max, 'max', 'datasets') : 100,
  };
  const { items: datasets, first, nextToken: next } = await collectPages((NextToken) => client.listDatasets({ ...query, NextToken }), (p) => p.Datasets, {
    all: values.all,
  });
  const total = first.TotalCount;
  if (values.json) {
    writeJson(io, { TotalCount: total, ...(next ? { NextToken: next } : {}), Datasets: datasets });
    return 0;
  }
  io.stdout.write(
    formatTable(
      [{ header: 'DatasetId' }, { header: 'Name', maxWidth: 40 }, { header: 'Edition' }, { header: 'Uri', maxWidth: 60 }, { header: 'Created' }],
      datasets.map((d) => [d.DatasetId, d.Name, d.Edition, d.Uri, d.GmtCreateTime]),
    ),
  );
  io.stdout.write(`${datasets.length} of ${total} datasets${next ? ' (more: --all)' : ''}\n`);
  return 0;
}
