// #15: a local server SIGKILLed mid-job and started again on its data dir releases what its dead
// predecessor had in flight (and says how many) instead of waiting out the visibility timeout; a
// second server on a data dir that is in use refuses to start. No timing is asserted: the servers here
// keep messages invisible for an hour, far longer than the test may run, so the job can finish only
// if the restart released them.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePngs } from '../support/generate-images.js';
import { killWhenProgressing, startServer, waitForJob, type RunningServer } from '../support/server.js';

const FILES = 1500;
/** LOUPE_QUEUE_VISIBILITY_SECONDS of the servers here: longer than the test's whole time allowance. */
const VISIBILITY_SECONDS = 3600;
/** Generous: the machine may be shared and slow. Still far below VISIBILITY_SECONDS. */
const JOB_ALLOWANCE_MS = 15 * 60 * 1000;
const RELEASED = /released (\d+) in-flight messages left by a previous run/;

describe('#15 restart after a crash', () => {
  const cleanup: string[] = [];
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.kill();
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
  });

  it(
    '#15 a server killed mid-job resumes at once on restart, logging what it released; a second server on the same data dir refuses to start',
    async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-restart-'));
      cleanup.push(root);
      const files = path.join(root, 'files');
      const dataDir = path.join(root, 'data');
      await generatePngs(files, FILES);
      const env = { LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'restart-test-key-0123456789', LOUPE_QUEUE_VISIBILITY_SECONDS: String(VISIBILITY_SECONDS) };

      const first = await startServer(dataDir, env);
      servers.push(first);
      const ds = (await first.api('POST', '/api/v1/datasets', { Name: 'restart', Uri: pathToFileURL(files).href })).body.DatasetId;
      const started = await first.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, {
        DatasetVersion: 'v1',
        JobAction: 'FileMetaBuild',
        JobSpec: { verify: 'decode', batchSize: 10 },
      });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      const jobId = started.body.DatasetJobId;
      const atKill = await killWhenProgressing(first, ds, jobId);
      expect(atKill.Status).toBe('Running');

      // What the dead server had received and not deleted. Its holder is dead, so until the restart
      // these rows can only become visible on their own: a message received for the hour cannot within
      // the test, one put back after a failed delivery (a backoff of seconds) can. So the restart
      // releases at least the former (`held`) and at most all of them (`inFlight`), equal when no
      // delivery had failed.
      const db = new Database(path.join(dataDir, 'queue.db'));
      const count = db.prepare('SELECT count(*) FROM queue_messages WHERE nonce IS NOT NULL AND visible_at > ?').pluck();
      const now = Date.now();
      const inFlight = count.get(now) as number;
      const held = count.get(now + (VISIBILITY_SECONDS * 1000) / 2) as number;
      db.close();
      expect(held).toBeGreaterThan(0);

      const second = await startServer(dataDir, env);
      servers.push(second);
      // Logged as it starts (a wait, not a time limit).
      await expect.poll(() => RELEASED.exec(second.output()), { timeout: 60_000 }).toBeTruthy();
      const released = Number(RELEASED.exec(second.output())![1]);
      expect(released).toBeGreaterThanOrEqual(Math.max(1, held));
      expect(released).toBeLessThanOrEqual(inFlight);

      // A second server on the data dir in use: a clear refusal naming the holder, no stack trace.
      const refused = await startServer(dataDir, env).then(
        (s) => (servers.push(s), 'started'),
        (e: Error) => e.message,
      );
      expect(refused).toContain(`is in use by another Loupe server (pid ${second.child.pid})`);
      expect(refused).not.toMatch(/\n\s+at /);

      // It finishes, which it could not before the released batches came back on their own.
      const job = await waitForJob(second, ds, jobId, JOB_ALLOWANCE_MS);
      expect(job).toMatchObject({ Status: 'Succeeded', ListedFileCount: FILES, TotalFileCount: FILES, CompletedFileCount: FILES, FailedFileCount: 0 });
      const logs = (await second.api('GET', `/api/v1/datasets/${ds}/datasetjobs/${jobId}?MaxLogs=10000`)).body.Logs;
      // PAI's Logs: '<time> <LEVEL> <message>' strings
      expect(logs.filter((l: string) => / (INFO|WARN) finished /.test(l))).toHaveLength(1);
      await second.stop();
    },
    JOB_ALLOWANCE_MS + 120_000,
  );
});
