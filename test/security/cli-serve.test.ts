// `loupe serve` as a process (node bin/loupe.js): issue 10 #11, a busy port is a one-line start-up
// error with a non-zero exit and no stack; and from the "Also", a server started the way
// `npx loupe serve` starts it (npm → `sh -c` → node) stops when that wrapper is killed by its PID,
// and on SIGTERM/SIGINT/SIGHUP it stops cleanly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/loupe.js');

describe('loupe serve as a process', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  const env = (name: string, extra: Record<string, string> = {}) => ({
    ...process.env,
    LOUPE_FILE_ROOTS: dir,
    LOUPE_DATA_DIR: path.join(dir, name),
    LOUPE_WORKER_THREADS: '0',
    LOUPE_LOG_LEVEL: 'info',
    LOUPE_API_KEYS: 'sec-serve-key-0123456789',
    ...extra,
  });
  /** Spawns a command; resolves its output once `until` appears in it (or it exits). */
  function run(command: string, args: string[], childEnv: NodeJS.ProcessEnv) {
    const child = spawn(command, args, { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const running = () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start:\n${stdout}\n${stderr}`)), 45_000);
        const check = () => /Loupe is running at/.test(stdout) && (clearTimeout(timer), resolve());
        child.stdout!.on('data', check);
        void exited.then((code) => reject(new Error(`exited ${code}:\n${stdout}\n${stderr}`)));
      });
    return { child, exited, running, output: () => ({ stdout, stderr }) };
  }
  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  };
  async function waitGone(pid: number, ms = 20_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (gone(pid)) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return gone(pid);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-serve-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.pid && !gone(c.pid)) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('#11 a busy port is a one-line start-up error naming the port and how to change it, exit 1, no stack', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const p = run(process.execPath, [BIN, 'serve', '--port', String(port)], env('busy'));
      const code = await Promise.race([p.exited, new Promise((r) => setTimeout(() => r('hung'), 45_000))]);
      expect(code).toBe(1);
      expect(p.output().stderr).toBe(`loupe: port ${port} is in use on 127.0.0.1: set LOUPE_PORT or --port\n`);
      expect(p.output().stdout).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('the server started under `sh -c` by npm stops when that wrapper is killed by its PID', async () => {
    // What `npx loupe serve` runs: npm exec → sh -c 'loupe …' → node. npm passes SIGTERM to the
    // shell, which dies without passing it on (`; true` keeps sh from exec-ing node, as npm's does).
    const shell = run('sh', ['-c', `"${process.execPath}" "${BIN}" serve --port 0; true`], env('wrapped', { npm_lifecycle_event: 'npx' }));
    await shell.running();
    const server = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(shell.child.pid)], { encoding: 'utf8' }).trim());
    expect(server).toBeGreaterThan(0);
    shell.child.kill('SIGTERM');
    await shell.exited;
    expect(await waitGone(server)).toBe(true);
    expect(shell.output().stdout).toMatch(/"message":"shutting down","signal":"parent exited"/);
  });

  it('SIGTERM, SIGINT and SIGHUP stop the server cleanly (exit 0)', async () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const p = run(process.execPath, [BIN, 'serve', '--port', '0'], env(`signal-${signal}`));
      await p.running();
      p.child.kill(signal);
      expect(await p.exited, `${signal}: ${p.output().stderr}`).toBe(0);
      expect(p.output().stdout).toContain(`"signal":"${signal}"`);
    }
  });
});
