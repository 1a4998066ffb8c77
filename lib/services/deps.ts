// What the services are built from: ports only (lib/runtime wires concrete adapters in).
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { MetaStore } from '../ports/meta-store.js';
import type { ObjectStores } from '../ports/object-store.js';
import type { Queue } from '../ports/queue.js';
import type { MediaLimits } from '../media/limits.js';

/** Queue names per consumer. */
export interface QueueNames {
  fanout: string;
  prober: string;
  tagger: string;
  embedder: string;
  exporter: string;
}

export interface ServiceDeps {
  store: MetaStore;
  objects: ObjectStores;
  queue: Queue;
  queues: QueueNames;
  clock: Clock;
  log: Logger;
  media: MediaLimits;
}

export const nowIso = (deps: Pick<ServiceDeps, 'clock'>) => deps.clock.now().toISOString();
