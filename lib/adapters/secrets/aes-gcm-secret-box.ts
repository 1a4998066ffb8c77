// SecretBox with AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>` (base64url). The key comes from
// LOUPE_SECRET_KEY or, in local mode, a key file created once with mode 0600.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretBox } from '../../ports/secret-box.js';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../private-files.js';

export class AesGcmSecretBox implements SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
    this.key = key;
  }

  /** From a configured key (64 hex digits or base64), else from `<dataDir>/secret.key`, created if absent. */
  static fromConfig(configured: string | undefined, dataDir: string): AesGcmSecretBox {
    if (configured) return new AesGcmSecretBox(/^[0-9a-fA-F]{64}$/.test(configured) ? Buffer.from(configured, 'hex') : Buffer.from(configured, 'base64'));
    const file = path.join(dataDir, 'secret.key');
    if (!existsSync(file)) {
      makePrivateDir(dataDir);
      try {
        writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another process made it first
      }
    }
    return new AesGcmSecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('a sealed secret could not be opened (wrong LOUPE_SECRET_KEY, or tampered data)');
    }
  }
}
