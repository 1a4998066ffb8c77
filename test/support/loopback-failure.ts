// For tests against the loopback servers: the ModelError a call ends with, checked to carry no secret.
import { expect } from 'vitest';
import { ModelError } from '../../lib/ports/model-errors.js';

/** Awaits `p`, expects it to reject with a ModelError whose message, JSON and stack hold none of `secrets`. */
export async function modelFailure(p: Promise<unknown>, secrets: readonly string[] = []): Promise<ModelError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ModelError);
  const error = e as ModelError;
  for (const secret of secrets) {
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String(error.stack)).not.toContain(secret);
  }
  return error;
}
