// Configuration: defaults, a bad value names its variable, secrets are never echoed.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/runtime/config.js';

describe('loadConfig', () => {
  it('has defaults for local mode', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ LOUPE_HOST: '127.0.0.1', LOUPE_PORT: 8787, LOUPE_WORKER_CONCURRENCY: 2 });
    expect(c.dataDir.endsWith('.loupe')).toBe(true);
  });

  it('names the bad variable and its value', () => {
    expect(() => loadConfig({ LOUPE_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOUPE_PORT: 'eighty' })).toThrow(/LOUPE_PORT.*eighty/);
    expect(() => loadConfig({ LOUPE_LOG_LEVEL: 'loud' })).toThrow(/LOUPE_LOG_LEVEL/);
  });

  it('never echoes a secret variable', () => {
    let message = '';
    try {
      loadConfig({ LOUPE_SECRET_KEY: 'hunter2-not-32-bytes' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/LOUPE_SECRET_KEY/);
    expect(message).not.toContain('hunter2');
    expect(loadConfig({ LOUPE_SECRET_KEY: 'a'.repeat(64) }).LOUPE_SECRET_KEY).toBe('a'.repeat(64));
  });
});
