// FC3 time trigger events: `{"triggerTime":"2026-11-27T03:00:00Z","triggerName":"reindex","payload":"…"}`.
// Parsed by timer-triggered functions; built by the local scheduler (and tests) to invoke them the same way.

export interface FcTimerEvent {
  /** When the trigger fired (UTC, ISO 8601 without milliseconds). */
  triggerTime: string;
  triggerName: string;
  /** The trigger's configured message ('' when none). */
  payload: string;
}

export function parseTimerTriggerEvent(event: unknown): FcTimerEvent {
  const e = event as Partial<Record<keyof FcTimerEvent, unknown>> | null;
  if (!e || typeof e !== 'object' || typeof e.triggerTime !== 'string' || Number.isNaN(Date.parse(e.triggerTime))) {
    throw new Error('not a time trigger event: it needs triggerTime (an ISO 8601 time)');
  }
  return {
    triggerTime: e.triggerTime,
    triggerName: typeof e.triggerName === 'string' ? e.triggerName : '',
    payload: typeof e.payload === 'string' ? e.payload : '',
  };
}

/** The event FC would deliver (as a Buffer, like FC) for a trigger firing at `time`. */
export function timerTriggerEvent(triggerName: string, time: Date, payload = ''): Buffer {
  const event: FcTimerEvent = { triggerTime: time.toISOString().replace(/\.\d{3}Z$/, 'Z'), triggerName, payload };
  return Buffer.from(JSON.stringify(event));
}
