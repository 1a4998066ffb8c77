// SqliteQueue: the Queue contract, plus durability and several connections on one file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteQueue } from '../../lib/adapters/queue/sqlite-queue.js';
import { deadLetterQueueOf } from '../../lib/ports/queue.js';
import { expectDomainError } from '../support/domain-error.js';
import { queueContract } from './queue.contract.js';

const run = promisify(execFile);

queueContract('SqliteQueue', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'loupe-q-'));
  let now = Date.UTC(2025, 0, 1);
  const queue = new SqliteQueue({ file: path.join(dir, 'queue.db'), maxReceives: 3, clock: () => now });
  return {
    queue,
    name: 'jobs',
    maxReceives: 3,
    advance: async (seconds) => {
      now += seconds * 1000;
    },
    cleanup: async () => {
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteQueue (local only)', () => {
  let dir: string;
  let file: string;
  let now: number;
  const clock = () => now;
  const open: SqliteQueue[] = [];
  const openQueue = (maxReceives?: number) => {
    const q = new SqliteQueue({ file, clock, maxReceives });
    open.push(q);
    return q;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'loupe-q-local-'));
    file = path.join(dir, 'queue.db');
    now = Date.UTC(2025, 0, 1);
  });
  afterEach(async () => {
    for (const q of open.splice(0)) await q.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps messages, their counts and invisibility across close and reopen', async () => {
    const first = openQueue();
    await first.sendBatch('q', ['a', 'b', 'c']);
    const [a] = await first.receive('q', { max: 1, visibilityTimeoutSeconds: 60 });
    await first.close();
    open.splice(open.indexOf(first), 1);

    const again = openQueue();
    expect(await again.depth('q')).toBe(3);
    expect((await again.receive('q', { max: 16, visibilityTimeoutSeconds: 60 })).map((m) => m.body)).toEqual(['b', 'c']);
    now += 61_000;
    const [a2] = await again.receive('q', { max: 16, visibilityTimeoutSeconds: 60 });
    expect(a2!.messageId).toBe(a!.messageId);
    expect(a2!.dequeueCount).toBe(2);
  });

  it('shares one file between connections', async () => {
    const producer = openQueue();
    const consumer = openQueue();
    await producer.sendBatch('q', ['x']);
    const [x] = await consumer.receive('q', { max: 1, visibilityTimeoutSeconds: 60 });
    expect(await producer.receive('q', { max: 1, visibilityTimeoutSeconds: 60 })).toEqual([]);
    await producer.delete('q', [x!.receiptHandle]);
    expect(await consumer.depth('q')).toBe(0);
  });

  it('never hands one message to two processes', async () => {
    const q = openQueue();
    const n = 3000;
    await q.sendBatch('shared', Array.from({ length: n }, (_, i) => `m${i}`));
    const worker = path.resolve(import.meta.dirname, '../support/queue-drain-worker.ts');
    const outputs = await Promise.all(
      Array.from({ length: 3 }, () => run(process.execPath, ['--import', 'tsx', worker, file, 'shared'], { cwd: process.cwd() })),
    );
    const perWorker = outputs.map((o) => JSON.parse(o.stdout) as string[]);
    const all = perWorker.flat();
    expect(all.length).toBe(n);
    expect(new Set(all).size).toBe(n);
    expect(await q.depth('shared')).toBe(0);
  });

  it('lets the dead-letter queue be consumed without bouncing its messages further', async () => {
    const q = openQueue(1);
    await q.sendBatch('q', ['poison']);
    await q.receive('q', { max: 1, visibilityTimeoutSeconds: 1 });
    now += 2_000;
    expect(await q.receive('q', { max: 1, visibilityTimeoutSeconds: 1 })).toEqual([]);
    const dlq = deadLetterQueueOf('q');
    const [dead] = await q.receive(dlq, { max: 1, visibilityTimeoutSeconds: 1 });
    expect(dead!.body).toBe('poison');
    expect(dead!.dequeueCount).toBe(2);
    now += 2_000;
    expect((await q.receive(dlq, { max: 1, visibilityTimeoutSeconds: 1 })).length).toBe(0); // its own DLQ now
    expect(await q.depth(deadLetterQueueOf(dlq))).toBe(1);
  });

  it('long-polls an empty queue for about waitSeconds', async () => {
    const q = openQueue();
    const started = performance.now();
    expect(await q.receive('q', { max: 1, visibilityTimeoutSeconds: 1, waitSeconds: 0.2 })).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('refuses bad arguments', async () => {
    const q = openQueue();
    await expectDomainError(q.receive('q', { max: 0, visibilityTimeoutSeconds: 1 }), 'Invalid');
    await expectDomainError(q.receive('q', { max: 17, visibilityTimeoutSeconds: 1 }), 'Invalid');
    await expectDomainError(q.receive('q', { max: 1, visibilityTimeoutSeconds: 0 }), 'Invalid');
    await expectDomainError(q.receive('q', { max: 1, visibilityTimeoutSeconds: 1, waitSeconds: -1 }), 'Invalid');
    await expectDomainError(q.sendBatch('q', ['x'], { delaySeconds: Number.NaN }), 'Invalid');
    await expectDomainError(q.sendBatch('', ['x']), 'Invalid');
    await expectDomainError(q.delete('q', ['not-a-handle']), 'Invalid');
    await expectDomainError(q.changeVisibility('q', 'nope', 10), 'Invalid');
  });
});
