// `loupe export <datasetId>`: a FileMetaExport job over a search (the search flags), into a folder as
// manifest/csv/gme files or PAI's layout, or into a logical dataset's next version; then follows it
// like `jobs follow`.
import type { ExportJobSpec } from '../lib/sdk/index.js';
import { choiceFlag, clientOf, GLOBAL_HELP, noMorePositionals, parseCommand, positional, printHelp, uriOf, UsageError, writeJson, type CliIo } from './context.js';
import { FOLLOW_OPTIONS, followJob } from './jobs.js';
import { SEARCH_FLAGS_HELP, SEARCH_OPTIONS, searchRequestOf } from './search.js';

export const EXPORT_HELP = `Usage: loupe export <datasetId> --to <folder> [--format manifest|csv|gme|pai] [--images copy|reference] [--attributes <list>] [--overwrite] [search flags]
       loupe export <datasetId> --logical <logicalDatasetId> [--description <text>] [search flags]

Exports the files matching a search (default: every active file of the version):
  --to <folder>            a folder URI (file:///…/, oss://…/) or a local folder; receives
                           manifest.jsonl | export.csv | dataset.jsonl (+ images/), and export.json;
                           with --format pai, a new folder <datasetId>-<version>-<time>/ in it
  --format <f>             manifest (default): JSON lines for training loaders (loadManifest);
                           csv; gme: the GME fine-tune layout {image_id, tags, file};
                           pai: PAI's layout (pai_dataset_filemeta_manifest.yaml and JSON lines
                           of PAI's file metas), what PAI's FileMetaExport writes
  --images copy|reference  gme only: copy the images into images/ (default) or reference their URIs
  --attributes <list>      pai only: the attributes each line keeps, e.g. Uri,FileName,Tags.user
                           [filteredAttributes]; default all
  --overwrite              replace the previous Loupe export in that folder (without it the folder
                           must be empty or absent); files Loupe did not write are never replaced
                           (not for pai: each export makes a new folder)
  --logical <datasetId>    instead of files: make the next version (v1, v2, …) of a LOGICAL dataset
  --description <text>     that version's description
  --no-wait                print the DatasetJobId and return instead of following the job
  --json                   print the final job as JSON

${SEARCH_FLAGS_HELP}
  (--image takes a URI or a local path, given to the job as a file:// URI; --top-k is the most
   files exported, by score for a text or image query, in the search's order otherwise)

Follow flags:
  --interval <ms>, --every <s>   as for loupe jobs follow

Exit code: 0 when the export Succeeded; 1 otherwise; 2 on a usage error.

${GLOBAL_HELP}
`;

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('export', argv, {
    ...SEARCH_OPTIONS,
    ...FOLLOW_OPTIONS,
    to: { type: 'string' },
    format: { type: 'string' },
    images: { type: 'string' },
    attributes: { type: 'string' },
    overwrite: { type: 'boolean' },
    logical: { type: 'string' },
    description: { type: 'string' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return printHelp(io, EXPORT_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'export');
  noMorePositionals(positionals, 1, 'export');
  if (!values.to === !values.logical) throw new UsageError('give --to <folder> or --logical <datasetId> (one of them)', 'export');
  const format = choiceFlag(values.format, 'format', ['manifest', 'csv', 'gme', 'pai'] as const, 'export');
  const images = choiceFlag(values.images, 'images', ['copy', 'reference'] as const, 'export');
  if (values.logical && (format || images || values.attributes)) throw new UsageError('--format, --images and --attributes are for --to (a file export)', 'export');
  if (images && format !== 'gme') throw new UsageError('--images is for --format gme', 'export');
  if (values.attributes && format !== 'pai') throw new UsageError('--attributes is for --format pai', 'export');
  if (values.overwrite && format === 'pai') throw new UsageError('--overwrite is not for --format pai: each export makes a new folder', 'export');
  if (values.to && values.description) throw new UsageError('--description is for --logical', 'export');
  if (values.logical && values.overwrite) throw new UsageError('--overwrite is for --to (a file export)', 'export');

  const { DatasetVersion, ...query } = await searchRequestOf(values, io, 'export', 'uri');
  const spec: ExportJobSpec = values.to
    ? {
        query,
        target: 'file',
        format: format ?? 'manifest',
        exportDirUri: uriOf(values.to, io.cwd, true),
        ...(images ? { images } : {}),
        ...(values.attributes ? { filteredAttributes: values.attributes } : {}),
        ...(values.overwrite ? { overwrite: true } : {}),
      }
    : { query, target: 'logical', logicalDatasetId: values.logical!, ...(values.description ? { versionDescription: values.description } : {}) };

  const client = clientOf(values, io);
  const r = await client.createDatasetJob(datasetId, { DatasetVersion: DatasetVersion ?? 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
  if (values['no-wait']) {
    io.stdout.write(`${r.DatasetJobId}\n`);
    return 0;
  }
  io.stderr.write(`started FileMetaExport job ${r.DatasetJobId}\n`);
  const quiet = values.json ? { ...io, stdout: { write: () => undefined } } : io;
  const { code, job } = await followJob(client, datasetId, r.DatasetJobId, quiet, values, 'export');
  if (values.json) writeJson(io, job);
  return code;
}
