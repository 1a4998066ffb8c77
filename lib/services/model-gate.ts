// Bounds a job's model calls in flight across every consumer instance, with leases in the MetaStore
// (JobSpec.concurrency). A lease expires on its own if its holder dies.
import { randomUUID } from 'node:crypto';
import type { MetaStore } from '../ports/meta-store.js';

export interface ModelGateOptions {
  /** A lease lasts this long and is renewed while its call runs: a dead holder's slot frees itself this soon. */
  leaseTtlMs: number;
  /** Between tries when every slot is taken (jittered, doubling up to 8×). */
  pollMs?: number;
}

export class ModelGate {
  constructor(
    private readonly store: MetaStore,
    private readonly opts: ModelGateOptions,
  ) {}

  async run<T>(jobId: string, slots: number, fn: () => Promise<T>, signal?: { stopped(): Promise<boolean> }): Promise<T> {
    const holder = randomUUID();
    const base = this.opts.pollMs ?? 5;
    let wait = base;
    let tries = 0;
    // A stopped job makes no more model calls: checked before each call and while waiting for a slot.
    if (signal && (await signal.stopped())) throw new JobStoppedError(jobId);
    while (!(await this.store.acquireLease(jobId, slots, holder, this.opts.leaseTtlMs, Date.now()))) {
      if (signal && ++tries % 10 === 0 && (await signal.stopped())) throw new JobStoppedError(jobId);
      await new Promise((r) => setTimeout(r, wait * (0.5 + Math.random())));
      wait = Math.min(wait * 2, base * 8);
    }
    const renew = setInterval(() => {
      this.store.renewLease(jobId, holder, this.opts.leaseTtlMs, Date.now()).catch(() => undefined);
    }, this.opts.leaseTtlMs / 3);
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.store.releaseLease(jobId, holder);
    }
  }
}

export class JobStoppedError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer running`);
  }
}
