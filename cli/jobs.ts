// `loupe jobs start|list|follow|stop`, and following a job to its end (also used by `loupe export`).
import type { DatasetJob, LoupeClient } from '../lib/sdk/index.js';
import {
  choiceFlag,
  clientOf,
  GLOBAL_HELP,
  intFlag,
  noMorePositionals,
  parseCommand,
  positional,
  printHelp,
  runSubcommand,
  UsageError,
  writeJson,
  type CliIo,
} from './context.js';
import { collectPages } from './collect-pages.js';
import { formatTable } from './format-table.js';
import { formatJobSummary } from './job-summary.js';
import { ProgressRenderer } from './progress-renderer.js';

const ACTIONS = ['FileMetaBuild', 'IntelligentTag', 'SemanticIndex', 'FileMetaExport', 'IntelligentTagRevert', 'FileMetaImport'] as const;
const STATUSES = ['Pending', 'Running', 'Succeeded', 'PartialFailed', 'Failed', 'ManuallyStop'] as const;
const SORTS = ['CreateTime', 'FinishTime', 'Status', 'JobAction'] as const;

export const FOLLOW_OPTIONS = {
  interval: { type: 'string' },
  every: { type: 'string' },
} as const;

const FOLLOW_FLAGS_HELP = `  --interval <ms>   poll the job this often, default 1000
  --every <s>       without a terminal: a progress line at most every <s> seconds, default 10`;

export const JOBS_HELP = `Usage: loupe jobs <command>

  start <datasetId> --action <action> [--mode Full|Increment] [--spec JSON] [--version <v>] [--follow]
                    start a job: FileMetaBuild, IntelligentTag, SemanticIndex, FileMetaExport,
                    IntelligentTagRevert (--spec '{"intelligentTagJobId":"<jobId>"}') or FileMetaImport
                    (--spec '{"manifestUri":"<export folder>/","importMode":"append|replace"}', or
                    '{"srcDatasetId":"<id>","query":{…}}'), on --version (default: the latest);
                    prints its DatasetJobId (or, with --follow, follows it)
  list <datasetId> [--status <s>] [--action <a>] [--version <v>] [--sort <field>] [--order ASC|DESC]
                   [--max <n>] [--all] [--json]
                    jobs, newest first (--sort CreateTime, FinishTime, Status or JobAction)
  follow <datasetId> <jobId>
                    progress until the job ends (a live bar on a terminal, plain lines otherwise),
                    then its status, counts and failed files with reasons
  stop <datasetId> <jobId>
                    stop a job: its remaining batches are dropped (ManuallyStop)
  delete <datasetId> <jobId>
                    delete an ended job with its logs (stop a running one first)

Follow flags:
${FOLLOW_FLAGS_HELP}

Exit code: 0 when a followed job Succeeded (files skipped as not images are no failure); 1 when it
ended otherwise or the API failed; 2 on a usage error.

${GLOBAL_HELP}
`;

/** Follows a job with a progress display on stderr, prints the summary on stdout; 0 only for Succeeded. */
export async function followJob(
  client: LoupeClient,
  datasetId: string,
  jobId: string,
  io: CliIo,
  flags: { interval?: string; every?: string },
  command: string,
): Promise<{ code: number; job: DatasetJob }> {
  const intervalMs = intFlag(flags.interval, 'interval', command, 10) ?? 1000;
  const everyS = intFlag(flags.every, 'every', command, 0) ?? 10;
  const renderer = new ProgressRenderer({ isTTY: io.isTTY, now: io.now, write: (s) => io.stderr.write(s), everyMs: everyS * 1000 });
  let job: DatasetJob;
  try {
    job = await client.waitForJob(datasetId, jobId, { intervalMs, now: io.now, onProgress: (p) => renderer.update(p) });
  } finally {
    renderer.finish();
  }
  io.stdout.write(formatJobSummary(job));
  return { code: job.Status === 'Succeeded' ? 0 : 1, job };
}

export function jobsCommand(argv: string[], io: CliIo): Promise<number> {
  return runSubcommand('jobs', argv, io, { start: jobsStart, list: jobsList, follow: jobsFollow, stop: jobsStop, delete: jobsDelete }, JOBS_HELP);
}

async function jobsStart(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('jobs', argv, {
    action: { type: 'string' },
    mode: { type: 'string' },
    spec: { type: 'string' },
    version: { type: 'string' },
    description: { type: 'string' },
    follow: { type: 'boolean' },
    json: { type: 'boolean' },
    ...FOLLOW_OPTIONS,
  });
  if (values.help) return printHelp(io, JOBS_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'jobs');
  noMorePositionals(positionals, 1, 'jobs');
  if (!values.action) throw new UsageError(`--action is required: ${ACTIONS.join(', ')}`, 'jobs');
  const action = choiceFlag(values.action, 'action', ACTIONS, 'jobs')!;
  const mode = choiceFlag(values.mode, 'mode', ['Full', 'Increment'] as const, 'jobs');
  let spec: Record<string, unknown> | undefined;
  if (values.spec !== undefined) {
    try {
      spec = JSON.parse(values.spec);
    } catch {
      throw new UsageError(`--spec: not JSON: ${values.spec}`, 'jobs');
    }
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new UsageError('--spec: must be a JSON object', 'jobs');
  }
  const client = clientOf(values, io);
  const r = await client.createDatasetJob(datasetId, {
    ...(values.version ? { DatasetVersion: values.version } : {}),
    JobAction: action,
    ...(mode ? { JobMode: mode } : {}),
    ...(spec ? { JobSpec: spec } : {}),
    ...(values.description ? { Description: values.description } : {}),
  });
  if (!values.follow) {
    if (values.json) writeJson(io, r);
    else io.stdout.write(`${r.DatasetJobId}\n`);
    return 0;
  }
  io.stderr.write(`started ${action} job ${r.DatasetJobId}\n`);
  return (await followJob(client, datasetId, r.DatasetJobId, io, values, 'jobs')).code;
}

async function jobsList(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('jobs', argv, {
    status: { type: 'string' },
    action: { type: 'string' },
    version: { type: 'string' },
    sort: { type: 'string' },
    order: { type: 'string' },
    max: { type: 'string' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return printHelp(io, JOBS_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'jobs');
  noMorePositionals(positionals, 1, 'jobs');
  const query = {
    ...(values.status ? { Status: choiceFlag(values.status, 'status', STATUSES, 'jobs') } : {}),
    ...(values.action ? { JobAction: choiceFlag(values.action, 'action', ACTIONS, 'jobs') } : {}),
    ...(values.version ? { DatasetVersion: values.version } : {}),
    ...(values.sort ? { SortBy: choiceFlag(values.sort, 'sort', SORTS, 'jobs') } : {}),
    ...(values.order ? { Order: choiceFlag(values.order.toUpperCase(), 'order', ['ASC', 'DESC'] as const, 'jobs') } : {}),
    ...(values.max ? { MaxResults: intFlag(values.max, 'max', 'jobs') } : {}),
  };
  const client = clientOf(values, io);
  const { items: jobs, first, nextToken: next } = await collectPages((NextToken) => client.listDatasetJobs(datasetId, { ...query, NextToken }), (p) => p.DatasetJobs, {
    all: values.all,
  });
  const total = first.TotalCount;
  if (values.json) {
    writeJson(io, { TotalCount: total, ...(next ? { NextToken: next } : {}), DatasetJobs: jobs });
    return 0;
  }
  io.stdout.write(
    formatTable(
      [
        { header: 'DatasetJobId' },
        { header: 'JobAction' },
        { header: 'JobMode' },
        { header: 'Version' },
        { header: 'Status' },
        { header: 'Done', align: 'right' },
        { header: 'Failed', align: 'right' },
        { header: 'Created' },
      ],
      jobs.map((j) => [
        j.DatasetJobId,
        j.JobAction,
        j.JobMode,
        j.DatasetVersion,
        j.Status,
        // `?? 0`: a server from before SkippedFileCount (NaN otherwise).
        `${j.CompletedFileCount + j.FailedFileCount + (j.SkippedFileCount ?? 0)}/${j.TotalFileCount}`,
        String(j.FailedFileCount),
        j.CreateTime,
      ]),
    ),
  );
  io.stdout.write(`${jobs.length} of ${total} jobs${next ? ' (more: --all)' : ''}\n`);
  return 0;
}

async function jobsFollow(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('jobs', argv, { ...FOLLOW_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return printHelp(io, JOBS_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'jobs');
  const jobId = positional(positionals, 1, 'jobId', 'jobs');
  noMorePositionals(positionals, 2, 'jobs');
  const { code, job } = await followJob(clientOf(values, io), datasetId, jobId, values.json ? { ...io, stdout: { write: () => undefined } } : io, values, 'jobs');
  if (values.json) writeJson(io, job);
  return code;
}

async function jobsStop(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('jobs', argv, {});
  if (values.help) return printHelp(io, JOBS_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'jobs');
  const jobId = positional(positionals, 1, 'jobId', 'jobs');
  noMorePositionals(positionals, 2, 'jobs');
  await clientOf(values, io).stopDatasetJob(datasetId, jobId);
  io.stdout.write(`stopped ${jobId}\n`);
  return 0;
}

async function jobsDelete(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('jobs', argv, {});
  if (values.help) return printHelp(io, JOBS_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'jobs');
  const jobId = positional(positionals, 1, 'jobId', 'jobs');
  noMorePositionals(positionals, 2, 'jobs');
  await clientOf(values, io).deleteDatasetJob(datasetId, jobId);
  io.stdout.write(`deleted ${jobId}\n`);
  return 0;
}
