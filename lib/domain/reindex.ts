// A dataset's opt-in to scheduled reindexing: which jobs the reindex trigger starts, in which mode, on
// which version. JobSpecs are kept as given (not frozen): each run resolves them anew, so a run picks up
// the current tag definition version and index config, as a job created by hand at that time would.
import { z } from 'zod';
import { JobMode } from './job.js';

/** The actions a schedule may start (the ones that (re)build what a dataset's files carry). */
export const ReindexAction = z.enum(['FileMetaBuild', 'IntelligentTag', 'SemanticIndex']);
export type ReindexAction = z.infer<typeof ReindexAction>;

export const ReindexSetting = z.object({
  datasetId: z.string(),
  jobMode: JobMode,
  /** Started in this order at each run. */
  actions: z.array(z.object({ jobAction: ReindexAction, jobSpec: z.record(z.string(), z.unknown()) })).min(1),
  /** null: the dataset's newest version at each run. */
  versionName: z.string().nullable(),
  createTime: z.string(),
  updateTime: z.string(),
  /** The last scheduled run that considered this dataset (started jobs or not). */
  lastRunTime: z.string().nullable(),
});
export type ReindexSetting = z.infer<typeof ReindexSetting>;
