// Port: a durable message queue with MNS semantics (MNS in the cloud, SQLite locally).

export interface ReceivedMessage {
  messageId: string;
  /** Changes on every receive; delete/changeVisibility need the latest one. */
  receiptHandle: string;
  body: string;
  /** How many times this message has been received, this time included (MNS DequeueCount). */
  dequeueCount: number;
  enqueueTime: Date;
  firstDequeueTime: Date;
}

export interface ReceiveOptions {
  /** At most this many messages (MNS: 1..16). */
  max: number;
  /** Received messages stay invisible this long unless deleted; then they are delivered again. */
  visibilityTimeoutSeconds: number;
  /** Long polling: wait up to this long for a message (0 = return at once). */
  waitSeconds?: number;
}

export interface Queue {
  /** Sends messages (MNS BatchSendMessage: up to 16 a call; more are split). */
  sendBatch(queue: string, bodies: string[], opts?: { delaySeconds?: number }): Promise<void>;
  receive(queue: string, opts: ReceiveOptions): Promise<ReceivedMessage[]>;
  /** Deletes received messages; a stale receipt handle is ignored (the message was redelivered). */
  delete(queue: string, receiptHandles: string[]): Promise<void>;
  /** Extends or shortens a received message's invisibility; returns the new receipt handle. */
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<string>;
  /** Messages waiting or in flight (approximate for cloud queues). */
  depth(queue: string): Promise<number>;
  /**
   * Makes every message received and not yet deleted, in every queue, visible now (their receipt
   * handles go stale) and returns how many. Only for a queue whose every consumer is one process: its
   * owner calls it at start, holding the data dir's lock, before any consumer runs, so that what a
   * crashed predecessor had in flight resumes at once instead of after the visibility timeout.
   * Cloud queues (MNS) have no such operation: their visibility timeout is the recovery.
   */
  releaseInFlight?(): Promise<number>;
}

/** Name of the dead-letter queue of `queue`: messages received `maxReceives` times land there. */
export const deadLetterQueueOf = (queue: string) => `${queue}-dlq`;
