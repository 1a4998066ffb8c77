// The WHERE clause of a listing built from optional filters: a condition is added only for a filter
// that is given. A list travels as one JSON parameter (json_each), so each shape of query is one
// prepared statement whatever the list's length.

export class Conditions {
  readonly sql: string[];
  readonly params: unknown[];

  constructor(sql: string[] = [], params: unknown[] = []) {
    this.sql = sql;
    this.params = params;
  }

  /** A condition with its parameters, as written. */
  add(sql: string, ...params: unknown[]): this {
    this.sql.push(sql);
    this.params.push(...params);
    return this;
  }

  /** `column = value`, when a value is given. */
  equals(column: string, value: unknown): this {
    return value === undefined ? this : this.add(`${column} = ?`, value);
  }

  /** `column` is one of `values`, when a list is given (an empty list matches nothing). */
  anyOf(column: string, values: readonly unknown[] | undefined): this {
    return values === undefined ? this : this.add(`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(values));
  }

  /** `WHERE a AND b …`, or '' when there is no condition. */
  where(): string {
    return this.sql.length ? `WHERE ${this.sql.join(' AND ')}` : '';
  }
}
