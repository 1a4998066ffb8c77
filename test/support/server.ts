// Starts the real local server (`scripts/serve.ts` → `cli/serve.ts`) as a child process on a free port, for e2e tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileMetaOf, LoupeClient } from '../../lib/sdk/index.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface RunningServer {
  url: string;
  apiKey: string;
  child: ChildProcess;
  output: () => string;
  /** JSON API call with the key; returns status and parsed body. */
  api<T = any>(method: string, route: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `env` must name LOUPE_FILE_ROOTS: the folders the test serves files from (its own temp folders, the
 * fixtures). Without it the server would allow only its start directory (the project) and the home.
 */
export async function startServer(dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<RunningServer> {
  if (env.LOUPE_FILE_ROOTS === undefined) throw new Error("startServer: pass LOUPE_FILE_ROOTS in env (the test's own folders, and fixturesDir when it reads the fixtures)");
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'scripts/serve.ts')], {
    cwd: root,
    env: { ...process.env, LOUPE_PORT: '0', LOUPE_DATA_DIR: dataDir, LOUPE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /Loupe is running at (http:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${out}`)));
  });
  const apiKey = env.LOUPE_API_KEYS?.split(',')[0] ?? readFileSync(path.join(dataDir, 'api-key'), 'utf8').trim();
  const server: RunningServer = {
    url,
    apiKey,
    child,
    output: () => out,
    async api(method, route, body, headers = {}) {
      const res = await fetch(url + route, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed as never };
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
  return server;
}

/** Polls a job until it ends; returns the final job. */
export async function waitForJob(s: RunningServer, datasetId: string, jobId: string, timeoutMs = 120_000): Promise<any> {
  const client = new LoupeClient({ url: s.url, apiKey: s.apiKey });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await client.waitForJob(datasetId, jobId, { intervalMs: 100, maxLogs: 50, signal });
  } catch (e) {
    if (!signal.aborted) throw e;
    const last = await client.getDatasetJob(datasetId, jobId, { MaxLogs: 50 });
    throw new Error(`job ${jobId} did not end in ${timeoutMs} ms: ${JSON.stringify(last)}\n${s.output()}`);
  }
}

/** Every file meta of a version, all statuses, through the paged API. */
/**
 * Every file meta of a version, any status, by FileName. The wire's Tags and MetaAttributes are JSON
 * strings (PAI's shape, checked here); they come back parsed, as Loupe's SDK hands them out.
 */
export async function listAllFileMetas(s: RunningServer, datasetId: string, version = 'v1'): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  do {
    const qs = new URLSearchParams({ DatasetVersion: version, MaxResults: '1000', Status: 'PENDING,ACTIVE,FAILED,SKIPPED,DELETED', SortBy: 'FileName', Order: 'ASC' });
    if (token) qs.set('NextToken', token);
    const r = await s.api('GET', `/api/v1/datasets/${datasetId}/datasetfilemetas?${qs}`);
    if (r.status !== 200) throw new Error(`ListDatasetFileMetas ${r.status}: ${JSON.stringify(r.body)}`);
    for (const m of r.body.DatasetFileMetas) {
      if (typeof m.Tags !== 'string' || typeof m.MetaAttributes !== 'string') throw new Error(`Tags/MetaAttributes are not JSON strings: ${JSON.stringify(m)}`);
      out.push(fileMetaOf(m));
    }
    token = r.body.NextToken;
  } while (token);
  return out;
}

/** SIGKILLs the server as soon as the job has completed some files; returns the job as it was then. */
export async function killWhenProgressing(s: RunningServer, datasetId: string, jobId: string): Promise<any> {
  for (;;) {
    const j = (await s.api('GET', `/api/v1/datasets/${datasetId}/datasetjobs/${jobId}?MaxLogs=0`)).body;
    if (j.CompletedFileCount > 0) {
      await s.kill('SIGKILL');
      return j;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
