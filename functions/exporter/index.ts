// FC entry (MNS queue trigger on the exporter queue): the jobs that read file metas, not storage.
// FileMetaExport streams a search's results into a manifest / CSV / GME layout in an object-store
// folder, or into a logical dataset's next version; IntelligentTagRevert removes a tag job's AI tags;
// FileMetaImport registers the file metas of an export in PAI's layout, or of another dataset.
import middy from '@middy/core';
import { ExportMessage } from '../../lib/domain/job.js';
import type { Container } from '../../lib/runtime/container.js';
import { defaultContainer } from '../../lib/runtime/default-container.js';
import { fcErrorLog, fcJsonEvent, parseQueueTriggerEvent, type FcContext } from '../../lib/runtime/fc.js';

export function createExporterHandler(container: () => Container) {
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    const results = [];
    for (const record of parseQueueTriggerEvent(event)) {
      const msg = ExportMessage.parse(JSON.parse(record.body));
      const ctx = { dequeueCount: record.dequeueCount };
      const job = await c.store.getJob(msg.jobId);
      const run =
        job?.jobAction === 'IntelligentTagRevert'
          ? c.services.tagRevert.run(msg, ctx)
          : job?.jobAction === 'FileMetaImport'
            ? c.services.fileMetaImport.run(msg, ctx)
            : c.services.export.run(msg, ctx);
      results.push(await run);
    }
    return { results };
  })
    .use(fcJsonEvent())
    .use(fcErrorLog(() => container().log, 'exporter'));
}

/** An export (revert, import) that failed repeatedly: the job fails (an export published nothing); each delivery's cause is in its Logs. */
export function createExporterDeadLetterHandler(container: () => Container) {
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    for (const record of parseQueueTriggerEvent(event)) {
      const msg = ExportMessage.parse(JSON.parse(record.body));
      const job = await c.store.getJob(msg.jobId);
      const what = job?.jobAction === 'IntelligentTagRevert' ? 'the revert' : job?.jobAction === 'FileMetaImport' ? 'the import' : 'export';
      await c.services.jobs.fail(msg.jobId, `${what} failed ${record.dequeueCount} times (dead-lettered); each delivery's cause is a WARN line above`);
    }
  }).use(fcJsonEvent());
}

export const handler = createExporterHandler(defaultContainer);
export const deadLetterHandler = createExporterDeadLetterHandler(defaultContainer);
