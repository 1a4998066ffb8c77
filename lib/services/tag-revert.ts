// IntelligentTagRevert: removes the AI tags an IntelligentTag job wrote. Each file records which job
// wrote its AI tags last (file_metas.tag_job_id); the revert walks the tag job's completed files and
// empties the AI tags of those that job still owns. A file tagged again since (by a later job) keeps its
// tags and is counted apart (SkippedFileCount), so the result says exactly what changed. What Increment
// compares is cleared with the tags: the next IntelligentTag Increment tags the reverted files again.
// Runs on the exporter's queue (no storage listing), in steps of STEP files, each one transaction.
import { IntelligentTagRevertSpec } from '../domain/job.js';
import { nowIso, type ServiceDeps } from './deps.js';
import { deliver } from './delivery-failures.js';
import type { JobService } from './jobs.js';
import type { BatchContext } from './probing.js';

const STEP = 1000;

export class TagRevertService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
  ) {}

  async run(msg: { jobId: string }, ctx: BatchContext = { dequeueCount: 1 }): Promise<'done' | 'dropped'> {
    const job = await this.jobs.begin(msg.jobId, 'running: removing AI tags');
    if (!job) return 'dropped';
    const id = job.datasetJobId;
    const spec = IntelligentTagRevertSpec.parse(job.jobSpec);
    const counts = await deliver(
      this.jobs,
      { jobId: id, work: 'the revert', delivery: ctx.dequeueCount },
      async () => {
        const tagJob = await this.deps.store.getJob(spec.intelligentTagJobId);
        if (!tagJob) {
          await this.jobs.fail(id, `IntelligentTag job ${spec.intelligentTagJobId} was deleted: nothing records which tags it wrote`);
          return undefined;
        }
        let after: string | null = null;
        const c = { scanned: 0, reverted: 0 };
        for (;;) {
          if ((await this.deps.store.getJob(id))?.status !== 'Running') return undefined; // stopped
          const step = await this.deps.store.revertAiTags(tagJob.datasetJobId, after, STEP, nowIso(this.deps));
          c.scanned += step.scanned;
          c.reverted += step.reverted;
          after = step.lastMetaId;
          if (step.scanned < STEP) return c;
        }
      },
      async (reason) => {
        await this.jobs.fail(id, `the revert failed: ${reason}`);
        return undefined;
      },
    );
    if (!counts) return 'dropped';
    const kept = counts.scanned - counts.reverted;
    const now = nowIso(this.deps);
    await this.deps.store.setJobCounts(id, { total: counts.scanned, completed: counts.reverted, failed: 0, skipped: kept }, now);
    const message =
      `removed the AI tags job ${spec.intelligentTagJobId} wrote on ${counts.reverted} of the ${counts.scanned} files it tagged` +
      (kept ? `; ${kept} files kept theirs: tagged again since by a later job (or their tags were removed already)` : '');
    if (await this.deps.store.transitionJob(id, ['Running'], 'Succeeded', { finishTime: now, updateTime: now, message })) {
      await this.jobs.log(id, 'INFO', `finished Succeeded: ${message}`);
    }
    return 'done';
  }
}
