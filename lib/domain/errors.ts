// Errors are values with a kind; lib/http maps each kind to one HTTP status.
export type ErrorKind = 'Invalid' | 'NotFound' | 'Conflict' | 'Unavailable' | 'Forbidden' | 'Unauthorized' | 'Internal';

export class DomainError extends Error {
  readonly kind: ErrorKind;
  /** The request field the error is about, when there is one (wire name, e.g. `JobAction`). */
  readonly field?: string;
  constructor(kind: ErrorKind, message: string, field?: string) {
    super(message);
    this.name = `${kind}Error`;
    this.kind = kind;
    this.field = field;
  }
}

export const invalid = (message: string, field?: string) => new DomainError('Invalid', message, field);
export const notFound = (what: string, id: string) => new DomainError('NotFound', `${what} '${id}' not found`);
export const conflict = (message: string) => new DomainError('Conflict', message);
export const unavailable = (message: string) => new DomainError('Unavailable', message);

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;

/**
 * `e` about the request field `field`: its message prefixed with the field, its kind kept (a location
 * refused by confinement stays Forbidden, a 403, whichever field named it).
 */
export const withField = (e: DomainError, field: string): DomainError => new DomainError(e.kind, `${field}: ${e.message}`, field);
