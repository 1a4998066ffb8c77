// Test helper: asserts that a promise rejects with a DomainError of a given kind.
import { expect } from 'vitest';
import { isDomainError, type ErrorKind } from '../../lib/domain/errors.js';

export async function expectDomainError(promise: Promise<unknown>, kind: ErrorKind | ErrorKind[], message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${String(kind)} DomainError, got success`).toBeDefined();
  expect(isDomainError(error), `expected a DomainError, got ${String(error)}`).toBe(true);
  if (!isDomainError(error)) return;
  expect([kind].flat()).toContain(error.kind);
  if (message) expect(error.message).toMatch(message);
}
