// The final word on a job: status, counts, what it produced, and the files that failed with why.
import type { DatasetJob, JobOutput } from '../lib/sdk/index.js';
import { formatDuration } from './progress-renderer.js';

function outputLine(o: JobOutput): string {
  if (o.DatasetId) return `Output: logical dataset ${o.DatasetId} version ${o.VersionName ?? '?'} (${o.FileCount} files)`;
  return `Output: ${o.Uri ?? '?'}${o.Files?.length ? ` ${o.Files.join(', ')}` : ''} (${o.FileCount} files)`;
}

export function formatJobSummary(job: DatasetJob): string {
  const took =
    job.StartTime && job.FinishTime ? ` in ${formatDuration(Math.round((Date.parse(job.FinishTime) - Date.parse(job.StartTime)) / 1000))}` : '';
  const lines = [
    `${job.JobAction} ${job.DatasetJobId}: ${job.Status}${took}`,
    `  ${job.TotalFileCount} files: ${job.CompletedFileCount} completed, ${job.FailedFileCount} failed` +
      (job.SkippedFileCount ? `, ${job.SkippedFileCount} skipped (${job.JobAction === 'IntelligentTagRevert' ? 'tagged again since: kept' : 'not images'})` : ''),
  ];
  if (job.Output) lines.push(`  ${outputLine(job.Output)}`);
  if (job.Message) lines.push(`  ${job.Message}`);
  const failed = job.FailedFiles ?? [];
  if (failed.length) {
    lines.push(`Failed files (${failed.length === job.FailedFileCount ? failed.length : `${failed.length} of ${job.FailedFileCount}`}):`);
    for (const f of failed) lines.push(`  ${f.Uri}`, `    ${f.Reason}`);
  } else if (job.FailedFileCount > 0) {
    lines.push(`Failed files: ${job.FailedFileCount} (not listed)`);
  }
  return lines.join('\n') + '\n';
}
