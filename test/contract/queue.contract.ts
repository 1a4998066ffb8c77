// Contract suite of the Queue port: every adapter (SQLite, MNS, ...) runs it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadLetterQueueOf, type Queue, type ReceivedMessage } from '../../lib/ports/queue.js';
import { expectDomainError } from '../support/domain-error.js';

export interface QueueFixture {
  queue: Queue;
  /** An empty queue for this test; its dead-letter queue (`deadLetterQueueOf(name)`) is empty too. */
  name: string;
  /** Receives after which a message goes to the dead-letter queue. */
  maxReceives: number;
  /** Lets time pass: moves a test clock, or sleeps for real against a cloud queue. */
  advance(seconds: number): Promise<void>;
  cleanup(): Promise<void>;
}

const bodiesOf = (messages: ReceivedMessage[]) => messages.map((m) => m.body);

export function queueContract(name: string, makeQueue: () => Promise<QueueFixture>) {
  describe(`Queue contract: ${name}`, () => {
    let fx: QueueFixture;
    let q: Queue;
    beforeEach(async () => {
      fx = await makeQueue();
      q = fx.queue;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    /** Receives until the queue has nothing visible. */
    const drain = async (queue = fx.name, visibilityTimeoutSeconds = 60) => {
      const all: ReceivedMessage[] = [];
      for (;;) {
        const got = await q.receive(queue, { max: 16, visibilityTimeoutSeconds });
        if (got.length === 0) return all;
        all.push(...got);
      }
    };

    it('sends, receives in order and deletes', async () => {
      await q.sendBatch(fx.name, ['one', 'two', 'three']);
      expect(await q.depth(fx.name)).toBe(3);
      const got = await q.receive(fx.name, { max: 16, visibilityTimeoutSeconds: 30 });
      expect(bodiesOf(got)).toEqual(['one', 'two', 'three']);
      expect(new Set(got.map((m) => m.messageId)).size).toBe(3);
      expect(new Set(got.map((m) => m.receiptHandle)).size).toBe(3);
      for (const m of got) {
        expect(m.dequeueCount).toBe(1);
        expect(m.enqueueTime).toBeInstanceOf(Date);
        expect(m.firstDequeueTime.getTime()).toBeGreaterThanOrEqual(m.enqueueTime.getTime());
      }
      expect(await q.depth(fx.name)).toBe(3); // in flight still counts
      await q.delete(fx.name, got.map((m) => m.receiptHandle));
      expect(await q.depth(fx.name)).toBe(0);
      expect(await q.receive(fx.name, { max: 16, visibilityTimeoutSeconds: 30 })).toEqual([]);
    });

    it('hands out at most `max` messages, oldest first', async () => {
      await q.sendBatch(fx.name, ['a', 'b', 'c', 'd', 'e']);
      expect(bodiesOf(await q.receive(fx.name, { max: 2, visibilityTimeoutSeconds: 30 }))).toEqual(['a', 'b']);
      expect(bodiesOf(await q.receive(fx.name, { max: 2, visibilityTimeoutSeconds: 30 }))).toEqual(['c', 'd']);
      expect(bodiesOf(await q.receive(fx.name, { max: 2, visibilityTimeoutSeconds: 30 }))).toEqual(['e']);
    });

    it('sends batches larger than one call allows, and keeps bodies intact', async () => {
      const bodies = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, text: `ünïcødé 😀 "${i}"\n` }));
      bodies.push('x'.repeat(60_000));
      await q.sendBatch(fx.name, bodies);
      expect(await q.depth(fx.name)).toBe(bodies.length);
      expect(bodiesOf(await drain())).toEqual(bodies);
    });

    it('keeps queues apart', async () => {
      await q.sendBatch(fx.name, ['mine']);
      expect(await q.receive(`${fx.name}-other`, { max: 16, visibilityTimeoutSeconds: 30 })).toEqual([]);
      expect(await q.depth(`${fx.name}-other`)).toBe(0);
    });

    it('redelivers a message not deleted within its visibility timeout', async () => {
      await q.sendBatch(fx.name, ['job']);
      const [first] = await q.receive(fx.name, { max: 1, visibilityTimeoutSeconds: 2 });
      expect(first!.dequeueCount).toBe(1);
      expect(await q.receive(fx.name, { max: 1, visibilityTimeoutSeconds: 2 })).toEqual([]);
      await fx.advance(3);
      const [second] = await q.receive(fx.name, { max: 1, visibilityTimeoutSeconds: 2 });
      expect(second!.messageId).toBe(first!.messageId);
      expect(second!.body).toBe('job');
      expect(second!.dequeueCount).toBe(2);
      expect(second!.receiptHandle).not.toBe(first!.receiptHandle);
      expect(second!.enqueueTime.getTime()).toBe(first!.enqueueTime.getTime());
      expect(second!.firstDequeueTime.getTime()).toBe(first!.firstDequeueTime.getTime());
    });

    it('ignores a stale receipt handle', async () => {
      await q.sendBatch(fx.name, ['job']);
      const [first] = await q.receive(fx.name, { max: 1, visibilityTimeoutSeconds: 2 });
      await fx.advance(3);
      const [second] = await q.receive(fx.name, { max: 1, visibilityTimeoutSeconds: 30 });
      await q.delete(fx.name, [first!.receiptHandle]); // the late first consumer
      expect(await q.depth(fx.name)).toBe(1);
      await q.delete(fx.name, [second!.receiptHandle]);
      expect(await q.depth(fx.name)).toBe(0);
      await q.delete(fx.name, [second!.receiptHandle]); // twice is fine
      await expectDomainError(q.changeVisibility(fx.name, first!.receiptHandle, 10), 'NotFound');
    });

    it('changes visibility with a new receipt handle', async () => {
      await q.sendBatch(fx.name, ['long', 'short']);
      const [long, short] = await q.receive(fx.name, { max: 2, visibilityTimeoutSeconds: 2 });
      const longHandle = await q.changeVisibility(fx.name, long!.receiptHandle, 10); // extend
      const shortHandle = await q.changeVisibility(fx.name, short!.receiptHandle, 1); // shorten
      expect(longHandle).not.toBe(long!.receiptHandle);
      await fx.advance(3);
      expect(bodiesOf(await q.receive(fx.name, { max: 16, visibilityTimeoutSeconds: 30 }))).toEqual(['short']);
      await q.delete(fx.name, [shortHandle]); // stale now: 'short' was received again
      expect(await q.depth(fx.name)).toBe(2);
      await q.delete(fx.name, [longHandle]);
      expect(await q.depth(fx.name)).toBe(1);
    });

    it('delays messages sent with delaySeconds', async () => {
      await q.sendBatch(fx.name, ['later'], { delaySeconds: 3 });
      await q.sendBatch(fx.name, ['now']);
      expect(await q.depth(fx.name)).toBe(2);
      expect(bodiesOf(await drain())).toEqual(['now']);
      await fx.advance(4);
      expect(bodiesOf(await drain())).toEqual(['later']);
    });

    it('moves a message to the dead-letter queue instead of a receive past maxReceives', async () => {
      await q.sendBatch(fx.name, ['poison']);
      for (let i = 1; i <= fx.maxReceives; i++) {
        const got = await q.receive(fx.name, { max: 1, visibilityTimeoutSeconds: 1 });
        expect(bodiesOf(got)).toEqual(['poison']);
        expect(got[0]!.dequeueCount).toBe(i);
        await fx.advance(2);
      }
      // The next receive moves it aside and goes on to the next message.
      await q.sendBatch(fx.name, ['fine']);
      const next = await q.receive(fx.name, { max: 16, visibilityTimeoutSeconds: 30 });
      expect(bodiesOf(next)).toEqual(['fine']);
      await q.delete(fx.name, [next[0]!.receiptHandle]);
      expect(await q.depth(fx.name)).toBe(0);

      const dlq = deadLetterQueueOf(fx.name);
      expect(await q.depth(dlq)).toBe(1);
      const [dead] = await q.receive(dlq, { max: 16, visibilityTimeoutSeconds: 30 });
      expect(dead!.body).toBe('poison');
      expect(dead!.dequeueCount).toBeGreaterThanOrEqual(fx.maxReceives);
      await q.delete(dlq, [dead!.receiptHandle]);
      expect(await q.depth(dlq)).toBe(0);
    });

    it('releaseInFlight (where the adapter has it) makes received messages visible now; their receipts go stale', async () => {
      // Cloud queues have no such operation (their visibility timeout is the recovery): nothing to check.
      if (!q.releaseInFlight) return;
      const other = `${fx.name}-other`;
      await q.sendBatch(fx.name, ['a', 'b', 'done', 'backoff']);
      await q.sendBatch(fx.name, ['delayed'], { delaySeconds: 60 });
      await q.sendBatch(other, ['x']);
      const [a, b, done, backoff] = await q.receive(fx.name, { max: 4, visibilityTimeoutSeconds: 120 });
      await q.delete(fx.name, [done!.receiptHandle]);
      await q.changeVisibility(fx.name, backoff!.receiptHandle, 30); // a failed invocation's backoff
      await q.receive(other, { max: 1, visibilityTimeoutSeconds: 120 });
      await q.sendBatch(fx.name, ['waiting']);

      // a, b, backoff and x: received and not deleted, in every queue; never 'delayed' or 'waiting'.
      expect(await q.releaseInFlight()).toBe(4);
      await q.delete(fx.name, [a!.receiptHandle]); // the dead consumer's handle is stale: ignored
      await expectDomainError(q.changeVisibility(fx.name, b!.receiptHandle, 10), 'NotFound');
      const again = await drain();
      expect(bodiesOf(again).sort()).toEqual(['a', 'b', 'backoff', 'waiting']);
      // Each receive stays counted: a message that kills its server still reaches the dead-letter queue.
      expect(again.find((m) => m.body === 'a')!.dequeueCount).toBe(2);
      expect(bodiesOf(await drain(other))).toEqual(['x']);
      expect(await q.releaseInFlight()).toBe(5);
      expect(await q.releaseInFlight()).toBe(0);
    });

    it('long-polls: returns as soon as a message arrives', async () => {
      expect(await q.receive(fx.name, { max: 16, visibilityTimeoutSeconds: 30, waitSeconds: 0 })).toEqual([]);
      const started = performance.now();
      const waiting = q.receive(fx.name, { max: 16, visibilityTimeoutSeconds: 30, waitSeconds: 5 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      await q.sendBatch(fx.name, ['hello']);
      expect(bodiesOf(await waiting)).toEqual(['hello']);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('never hands one message to two concurrent receivers', async () => {
      const bodies = Array.from({ length: 200 }, (_, i) => `m${i}`);
      await q.sendBatch(fx.name, bodies);
      const receiver = async () => {
        const mine: ReceivedMessage[] = [];
        for (;;) {
          const got = await q.receive(fx.name, { max: 7, visibilityTimeoutSeconds: 60 });
          if (got.length === 0) return mine;
          mine.push(...got);
          await q.delete(fx.name, got.slice(0, 3).map((m) => m.receiptHandle));
        }
      };
      const all = (await Promise.all(Array.from({ length: 6 }, receiver))).flat();
      expect(all.length).toBe(bodies.length);
      expect(new Set(all.map((m) => m.messageId)).size).toBe(bodies.length);
      expect(bodiesOf(all).sort()).toEqual([...bodies].sort());
    });
  });
}
