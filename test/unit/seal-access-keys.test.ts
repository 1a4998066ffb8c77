// LOUPE_ACCESS_KEYS may hold an AccessKey secret sealed (`id:sealed:v1.…`, made by `loupe seal` with
// the server's key, as connection secrets are sealed) instead of in clear.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealCommand } from '../../cli/seal.js';
import type { CliIo } from '../../cli/context.js';
import { AesGcmSecretBox } from '../../lib/adapters/secrets/aes-gcm-secret-box.js';
import { parseAccessKeys } from '../../lib/http/acs3-signature.js';

const SECRET = 'ak-secret-to-seal-0123456789';

function io(env: Record<string, string>, input: string[]) {
  let out = '';
  let err = '';
  const value: CliIo = {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
    cwd: process.cwd(),
    now: Date.now,
    isTTY: false,
    stdin: (async function* () {
      yield* input;
    })(),
  };
  return { io: value, out: () => out, err: () => err };
}

describe('sealed AccessKey secrets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-seal-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('loupe seal reads the secret from stdin and prints what LOUPE_ACCESS_KEYS opens with the same key', async () => {
    const key = randomBytes(32).toString('hex');
    const run = io({ LOUPE_SECRET_KEY: key, LOUPE_DATA_DIR: dir }, ['ak-secret-to-', 'seal-0123456789\n']);
    expect(await sealCommand([], run.io)).toBe(0);
    const sealed = run.out().trim();
    expect(sealed).toMatch(/^sealed:v1\./);
    expect(sealed).not.toContain(SECRET);
    const box = new AesGcmSecretBox(Buffer.from(key, 'hex'));
    expect(parseAccessKeys(`plain:x, LTAIsealed:${sealed}`, (s) => box.open(s))).toEqual(
      new Map([
        ['plain', 'x'],
        ['LTAIsealed', SECRET],
      ]),
    );
  });

  it('without LOUPE_SECRET_KEY it seals with the data dir key file, as the server would open it', async () => {
    const run = io({ LOUPE_DATA_DIR: dir }, [`${SECRET}\n`]);
    expect(await sealCommand([], run.io)).toBe(0);
    const box = AesGcmSecretBox.fromConfig(undefined, dir);
    expect(parseAccessKeys(`id:${run.out().trim()}`, (s) => box.open(s)).get('id')).toBe(SECRET);
  });

  it('a secret sealed under another key, or altered, stops the server naming the entry, never a secret', () => {
    const sealed = `sealed:${new AesGcmSecretBox(randomBytes(32)).seal(SECRET)}`;
    const other = new AesGcmSecretBox(randomBytes(32));
    expect(() => parseAccessKeys(`a:b,LTAIx:${sealed}`, (s) => other.open(s))).toThrow(/^entry 2 \(LTAIx\): the sealed secret could not be opened/);
    expect(() => parseAccessKeys(`LTAIx:${sealed}`)).toThrow(/needs the server's secret key/);
    try {
      parseAccessKeys(`LTAIx:${sealed}`, (s) => other.open(s));
    } catch (e) {
      expect(String(e)).not.toContain(sealed.slice(10, 30));
    }
  });

  it('refuses a secret on the command line and empty input', async () => {
    await expect(sealCommand([SECRET], io({ LOUPE_DATA_DIR: dir }, []).io)).rejects.toThrow(/standard input, not from the command line/);
    await expect(sealCommand([], io({ LOUPE_DATA_DIR: dir }, ['\n']).io)).rejects.toThrow(/empty/);
  });
});
