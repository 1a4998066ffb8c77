// The console's copy of the connection types (web/src/pages/connection-kinds.ts) says what the server's
// CONNECTION_KINDS says: the same types, purposes, usability, Configs and Secrets keys.
import { describe, expect, it } from 'vitest';
import { CONNECTION_KINDS } from '../../lib/domain/connection.js';
import { KINDS } from '../../web/src/pages/connection-kinds.js';

describe('the console connection form', () => {
  it('knows every ConnectionType with the keys the API takes', () => {
    const server = Object.fromEntries(
      Object.entries(CONNECTION_KINDS).map(([type, kind]) => [
        type,
        {
          purpose: kind.purpose,
          usable: kind.usable,
          configs: { required: [...kind.configs.required], optional: [...kind.configs.optional] },
          secrets: { required: [...kind.secrets.required], optional: [...kind.secrets.optional] },
          ...(kind.freeForm ? { freeForm: true } : {}),
        },
      ]),
    );
    expect(KINDS).toEqual(server);
  });
});
