// Queue adapter: a durable queue with MNS semantics in one SQLite file (the embedded default).
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { preparePrivateSqliteFile } from '../private-files.js';
import { startCheckpointer, type Checkpointer } from '../sqlite-checkpointer.js';
import { invalid, notFound } from '../../domain/errors.js';
import { deadLetterQueueOf, type Queue, type ReceiveOptions, type ReceivedMessage } from '../../ports/queue.js';

export interface SqliteQueueOptions {
  /** The SQLite file; several processes may open the same one. */
  file: string;
  /** Receives before a message moves to the dead-letter queue (default 5). */
  maxReceives?: number;
  /** Milliseconds since the epoch; tests move it. Long polling still waits in real time. */
  clock?: () => number;
}

const MAX_RECEIVE = 16; // MNS BatchReceiveMessage
const MAX_VISIBILITY_SECONDS = 43_200; // MNS: 12 hours
const MAX_WAIT_SECONDS = 30; // MNS long polling
const POLL_MS = 50;

interface MessageRow {
  id: number;
  message_id: string;
  body: string;
  dequeue_count: number;
  enqueued_at: number;
  first_dequeued_at: number;
}

/**
 * Messages live in one table. `visible_at` is when a message may next be received (send time plus
 * delay, or the end of its invisibility); `receives` counts receives in the current queue (reset on
 * moving to the dead-letter queue, so that the DLQ can itself be consumed) while `dequeue_count`
 * counts them all. A receipt handle is `<row id>.<nonce>`, the nonce renewed on every receive.
 */
export class SqliteQueue implements Queue {
  private readonly db: Database.Database;
  private readonly checkpointer?: Checkpointer;
  private readonly maxReceives: number;
  private readonly clock: () => number;
  private readonly insertMessage: Database.Statement;
  private readonly selectVisible: Database.Statement;
  private readonly deliver: Database.Statement;
  private readonly moveToDeadLetter: Database.Statement;
  private readonly deleteByReceipt: Database.Statement;
  private readonly setVisibility: Database.Statement;
  private readonly countQueue: Database.Statement;
  private readonly releaseReceived: Database.Statement;
  private readonly sendMany: (queue: string, bodies: string[], visibleAt: number, now: number) => void;
  private readonly receiveMany: (queue: string, max: number, now: number, invisibleMs: number) => ReceivedMessage[];
  private readonly deleteMany: (queue: string, handles: { id: number; nonce: string }[]) => void;

  constructor(options: SqliteQueueOptions) {
    this.maxReceives = options.maxReceives ?? 5;
    if (!Number.isInteger(this.maxReceives) || this.maxReceives < 1) throw invalid('maxReceives must be a positive integer', 'maxReceives');
    this.clock = options.clock ?? Date.now;
    preparePrivateSqliteFile(options.file);
    this.db = new Database(options.file);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Checkpoints (and their fsyncs) run in a background thread, not inside sends and receives.
    if (options.file !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      this.checkpointer = startCheckpointer(options.file);
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS queue_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        message_id TEXT NOT NULL,
        body TEXT NOT NULL,
        enqueued_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        receives INTEGER NOT NULL DEFAULT 0,
        dequeue_count INTEGER NOT NULL DEFAULT 0,
        first_dequeued_at INTEGER,
        nonce TEXT
      );
      CREATE INDEX IF NOT EXISTS queue_messages_visible ON queue_messages (queue, visible_at, id);
    `);

    this.insertMessage = this.db.prepare(
      'INSERT INTO queue_messages (queue, message_id, body, enqueued_at, visible_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.selectVisible = this.db.prepare(
      'SELECT id, receives FROM queue_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, id LIMIT ?',
    );
    this.deliver = this.db.prepare(`
      UPDATE queue_messages
         SET visible_at = @visibleAt, receives = receives + 1, dequeue_count = dequeue_count + 1,
             first_dequeued_at = coalesce(first_dequeued_at, @now), nonce = @nonce
       WHERE id = @id
      RETURNING id, message_id, body, dequeue_count, enqueued_at, first_dequeued_at`);
    this.moveToDeadLetter = this.db.prepare(
      'UPDATE queue_messages SET queue = @dlq, visible_at = @now, receives = 0, nonce = NULL WHERE id = @id',
    );
    this.deleteByReceipt = this.db.prepare('DELETE FROM queue_messages WHERE id = ? AND queue = ? AND nonce = ?');
    this.setVisibility = this.db.prepare(
      'UPDATE queue_messages SET visible_at = ?, nonce = ? WHERE id = ? AND queue = ? AND nonce = ?',
    );
    this.countQueue = this.db.prepare('SELECT count(*) AS n FROM queue_messages WHERE queue = ?').pluck();
    // Received (a nonce) and still invisible: in flight, or waiting out a failed invocation's backoff.
    // Its receive stays counted, so a batch that crashes the server still reaches the dead-letter queue.
    this.releaseReceived = this.db.prepare('UPDATE queue_messages SET visible_at = @now, nonce = NULL WHERE nonce IS NOT NULL AND visible_at > @now');

    this.sendMany = this.db.transaction((queue: string, bodies: string[], visibleAt: number, now: number) => {
      for (const body of bodies) this.insertMessage.run(queue, randomUUID().replaceAll('-', '').toUpperCase(), body, now, visibleAt);
    });
    // IMMEDIATE takes the write lock first, so two processes never hand out the same message.
    const receiveTx = this.db.transaction((queue: string, max: number, now: number, invisibleMs: number) => {
      const out: ReceivedMessage[] = [];
      const dlq = deadLetterQueueOf(queue);
      while (out.length < max) {
        const candidates = this.selectVisible.all(queue, now, max - out.length) as { id: number; receives: number }[];
        if (candidates.length === 0) break;
        const nonces = randomBytes(8 * candidates.length).toString('hex');
        candidates.forEach(({ id, receives }, i) => {
          if (receives >= this.maxReceives) {
            this.moveToDeadLetter.run({ dlq, now, id });
            return;
          }
          const nonce = nonces.slice(16 * i, 16 * i + 16);
          const row = this.deliver.get({ id, now, nonce, visibleAt: now + invisibleMs }) as MessageRow;
          out.push({
            messageId: row.message_id,
            receiptHandle: `${id}.${nonce}`,
            body: row.body,
            dequeueCount: row.dequeue_count,
            enqueueTime: new Date(row.enqueued_at),
            firstDequeueTime: new Date(row.first_dequeued_at),
          });
        });
      }
      return out;
    });
    this.receiveMany = (...args) => receiveTx.immediate(...args);
    this.deleteMany = this.db.transaction((queue: string, handles: { id: number; nonce: string }[]) => {
      for (const { id, nonce } of handles) this.deleteByReceipt.run(id, queue, nonce);
    });
  }

  async sendBatch(queue: string, bodies: string[], opts: { delaySeconds?: number } = {}): Promise<void> {
    checkQueueName(queue);
    const delay = opts.delaySeconds ?? 0;
    checkSeconds(delay, 'delaySeconds', 0, 604_800);
    if (bodies.length === 0) return;
    const now = this.clock();
    this.sendMany(queue, bodies, now + Math.round(delay * 1000), now);
  }

  async receive(queue: string, opts: ReceiveOptions): Promise<ReceivedMessage[]> {
    checkQueueName(queue);
    if (!Number.isInteger(opts.max) || opts.max < 1 || opts.max > MAX_RECEIVE) {
      throw invalid(`max must be an integer in 1..${MAX_RECEIVE}, got ${opts.max}`, 'max');
    }
    // At least 1 ms: a message just received must not be visible to the same receive call again.
    checkSeconds(opts.visibilityTimeoutSeconds, 'visibilityTimeoutSeconds', 0.001, MAX_VISIBILITY_SECONDS);
    const wait = opts.waitSeconds ?? 0;
    checkSeconds(wait, 'waitSeconds', 0, MAX_WAIT_SECONDS);
    const invisibleMs = Math.round(opts.visibilityTimeoutSeconds * 1000);
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const got = this.receiveMany(queue, opts.max, this.clock(), invisibleMs);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0) return got;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
    }
  }

  async delete(queue: string, receiptHandles: string[]): Promise<void> {
    checkQueueName(queue);
    const handles = receiptHandles.map(parseReceiptHandle);
    if (handles.length > 0) this.deleteMany(queue, handles);
  }

  async changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<string> {
    checkQueueName(queue);
    checkSeconds(visibilityTimeoutSeconds, 'visibilityTimeoutSeconds', 0, MAX_VISIBILITY_SECONDS);
    const { id, nonce } = parseReceiptHandle(receiptHandle);
    const fresh = randomBytes(8).toString('hex');
    const visibleAt = this.clock() + Math.round(visibilityTimeoutSeconds * 1000);
    const { changes } = this.setVisibility.run(visibleAt, fresh, id, queue, nonce);
    // The message was deleted or received again by someone else: the handle is stale.
    if (changes === 0) throw notFound('message with receipt handle', receiptHandle);
    return `${id}.${fresh}`;
  }

  async depth(queue: string): Promise<number> {
    checkQueueName(queue);
    return this.countQueue.get(queue) as number;
  }

  async releaseInFlight(): Promise<number> {
    return this.releaseReceived.run({ now: this.clock() }).changes;
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }
}

function parseReceiptHandle(handle: string): { id: number; nonce: string } {
  const m = /^(\d{1,15})\.([0-9a-f]{16})$/.exec(handle);
  if (!m) throw invalid(`malformed receipt handle '${handle}'`, 'receiptHandle');
  return { id: Number(m[1]), nonce: m[2]! };
}

function checkQueueName(queue: string) {
  if (typeof queue !== 'string' || queue.length === 0) throw invalid('queue name must not be empty', 'queue');
}

function checkSeconds(value: number, field: string, min: number, max: number) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid(`${field} must be between ${min} and ${max} seconds, got ${value}`, field);
  }
}
