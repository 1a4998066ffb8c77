// The browser suites' harness: Loupe with the console (startLoupe, as `loupe serve` runs it) over a temp
// copy of the COCO photos plus a generated PNG whose name is an HTML injection, tagged through the Qwen-VL
// chat double with the COCO labels (and the tag `<script>` on that PNG) and indexed through the GME double
// that embeds by COCO label, so a text query for a label ranks that label's photos first. Then Debian's
// Chromium driven by playwright-core (never a downloaded browser), a signed-in page, and screenshots.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { startLoupe } from '../../cli/serve.js';
import { buildConsole } from '../../lib/http/console-assets.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { fixturesDir, fixturesMissing, FIXTURES_SKIP_MESSAGE } from '../support/fixtures.js';
import { labelEmbedding } from '../support/label-embedding.js';
import { startChatServer, type LoopbackChat } from '../support/loopback-dashscope-chat.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';

/** The real Chromium binary (`/usr/bin/chromium` is a wrapper script); LOUPE_CHROMIUM overrides it. */
export const CHROMIUM = process.env.LOUPE_CHROMIUM || '/usr/lib/chromium/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
export const CHROMIUM_SKIP_MESSAGE = `Chromium not found at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set LOUPE_CHROMIUM to a Chromium binary`;
/** Why the browser suites cannot run here ('' when they can): name it in describe.skipIf's title. */
export const browserSkipReason = chromiumMissing ? CHROMIUM_SKIP_MESSAGE : fixturesMissing ? FIXTURES_SKIP_MESSAGE : '';

/** The generated file whose name would run script if it were ever rendered as HTML. */
export const XSS_FILE_NAME = '<img src=x onerror=alert(1)>.png';
/** The AI tag the XSS file carries (and no other file). */
export const XSS_TAG = '<script>';
export const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts');

const MODEL_KEY = 'sk-browser-model-key-0123456789';

export interface ConsoleLoupe {
  url: string;
  apiKey: string;
  datasetId: string;
  version: string;
  /** The temp folder: the only file root besides the fixtures; the photos are in `<root>/photos/`, data in `<root>/data/`. */
  root: string;
  /** FileName → COCO labels (the AI tags each photo got); the XSS file maps to [XSS_TAG]. */
  labels: Map<string, string[]>;
  connections: { chat: string; gme: string; vector: string; slowChat?: string };
  tagDefinitionId: string;
  client: LoupeClient;
  /** A JSON API call with the key (Bearer): status and parsed body (the text when it is not JSON). */
  api<T = any>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface ConsoleLoupeOptions {
  /** Also make a chat connection answering after `slowChatMs` (default 3000 when true): for stopping a running job. */
  slowChat?: boolean;
  slowChatMs?: number;
  /** Skip IntelligentTag / SemanticIndex (faster when a suite needs only the files). Default: both run. */
  tag?: boolean;
  index?: boolean;
  /** Extra LOUPE_* settings. */
  env?: Record<string, string>;
}

interface CocoLine {
  file: string;
  tags: string[];
}

/**
 * Starts Loupe on a free loopback port with a dataset `coco` (version v1) over the photos, after its
 * FileMetaBuild, IntelligentTag and SemanticIndex jobs succeeded. Nothing is written into the project.
 */
export async function startConsoleLoupe(opts: ConsoleLoupeOptions = {}): Promise<ConsoleLoupe> {
  if (fixturesMissing) throw new Error(FIXTURES_SKIP_MESSAGE);
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-browser-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(root, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of [...cleanups].reverse()) await c();
  };
  try {
    const photos = path.join(root, 'photos');
    await mkdir(photos, { recursive: true });
    const coco = (await readFile(path.join(fixturesDir!, 'coco', 'dataset.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CocoLine);
    const labels = new Map<string, string[]>();
    const bySha = new Map<string, string[]>();
    for (const c of coco) {
      const to = path.join(photos, path.basename(c.file));
      await copyFile(path.join(fixturesDir!, 'coco', c.file), to);
      bySha.set(sha256(await readFile(to)), c.tags);
      labels.set(path.basename(c.file), c.tags);
    }
    const xss = await generatedPng(0);
    await writeFile(path.join(photos, XSS_FILE_NAME), xss);
    const xssSha = sha256(xss);
    labels.set(XSS_FILE_NAME, [XSS_TAG]);
    const vocabulary = [...new Set(coco.flatMap((c) => c.tags))].sort();

    const chat = await startChatServer({
      apiKey: MODEL_KEY,
      models: ['qwen-vl-max'],
      answerFor: (image) => {
        const sha = sha256(image);
        const tags = sha === xssSha ? [XSS_TAG] : bySha.get(sha);
        return tags ? Object.fromEntries(tags.map((t) => [t, true])) : undefined;
      },
    });
    cleanups.push(() => chat.close());
    const gme: LoopbackGme = await startGmeServer({ token: MODEL_KEY, embed: labelEmbedding({ labelsBySha256: bySha }).embed });
    cleanups.push(() => gme.close());
    let slow: LoopbackChat | undefined;
    if (opts.slowChat) {
      slow = await startChatServer({ apiKey: MODEL_KEY, models: ['qwen-vl-max'], latencyMs: opts.slowChatMs ?? 3000 });
      cleanups.push(() => slow!.close());
    }

    const apiKey = 'browser-suite-key-0123456789abcdef';
    const config = loadConfig({
      LOUPE_DATA_DIR: path.join(root, 'data'),
      LOUPE_FILE_ROOTS: [root, fixturesDir!].join(path.delimiter),
      LOUPE_API_KEYS: apiKey,
      LOUPE_MODEL_URL_POLICY: 'any',
      LOUPE_PORT: '0',
      LOUPE_WORKER_THREADS: '0',
      LOUPE_LOG_LEVEL: 'silent',
      ...opts.env,
    });
    const loupe = await startLoupe(config, { log: jsonLogger('silent'), console: await buildConsole() });
    cleanups.push(() => loupe.stop()); // stopped first: before the model servers close and the folder goes
    const url = loupe.url.replace(/\/$/, '');
    const client = new LoupeClient({ url, apiKey });
    const api = makeApi(url, apiKey);
    const ok = async (method: string, route: string, body?: unknown) => {
      const r = await api(method, route, body);
      if (r.status !== 200) throw new Error(`${method} ${route} answered ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    };

    const datasetId: string = (await ok('POST', '/api/v1/datasets', { Name: 'coco', Description: 'COCO photos for the browser suites', Uri: `${pathToFileURL(photos).href}/` })).DatasetId;
    const version = 'v1';
    const runJob = async (JobAction: string, JobSpec?: object) => {
      const { DatasetJobId } = await ok('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: version, JobAction, ...(JobSpec ? { JobSpec } : {}) });
      return waitJob(client, datasetId, DatasetJobId, JobAction);
    };
    await runJob('FileMetaBuild');

    const conn = async (body: object) => (await ok('POST', '/api/v1/connections', body)).ConnectionId as string;
    const connections: ConsoleLoupe['connections'] = {
      chat: await conn({ ConnectionName: 'qwen-vl', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url }, Secrets: { ApiKey: MODEL_KEY } }),
      gme: await conn({ ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url }, Secrets: { Token: MODEL_KEY } }),
      vector: await conn({ ConnectionName: 'local-vectors', ConnectionType: 'LocalVectorConnection' }),
    };
    if (slow) connections.slowChat = await conn({ ConnectionName: 'qwen-vl-slow', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: slow.url }, Secrets: { ApiKey: MODEL_KEY } });
    const tagDefinitionId: string = (
      await ok('POST', '/api/v1/tagdefinitions', {
        Name: 'coco',
        GuidePrompt: 'You label everyday photos with the COCO object classes you can see.',
        Tags: [...vocabulary, XSS_TAG].map((Name) => ({ Name, Description: Name === XSS_TAG ? 'a tag whose name is markup' : `a ${Name} is visible` })),
      })
    ).TagDefinitionId;

    if (opts.tag !== false) await runJob('IntelligentTag', { connectionId: connections.chat, modelName: 'qwen-vl-max', tagDefinitionId, concurrency: 4 });
    if (opts.index !== false) {
      const saved = await ok('PUT', `/api/v1/datasets/${datasetId}/indexconfig`, {
        EmbeddingConnectionId: connections.gme,
        VectorConnectionId: connections.vector,
        IndexName: 'coco_gme',
        RefreshNow: true,
      });
      await waitJob(client, datasetId, saved.DatasetJobId, 'SemanticIndex');
    }
    return { url, apiKey, datasetId, version, root, labels, connections, tagDefinitionId, client, api, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitJob(client: LoupeClient, datasetId: string, jobId: string, what: string) {
  const job = await client.waitForJob(datasetId, jobId, { intervalMs: 50, maxLogs: 20, signal: AbortSignal.timeout(120_000) });
  if (job.Status !== 'Succeeded') throw new Error(`${what} ended ${job.Status}: ${JSON.stringify(job)}`);
  return job;
}

function makeApi(url: string, apiKey: string): ConsoleLoupe['api'] {
  return async (method, route, body) => {
    const res = await fetch(url + route, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text as never };
    }
  };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A 640×480 PNG made here (not a photo): soft diagonal colour bands and circles, its hues seeded by
 * `seed`, so generated galleries look like something without copying anyone's pictures.
 */
export async function generatedPng(seed: number, width = 640, height = 480): Promise<Buffer> {
  const hue = (seed * 47) % 360;
  const circles = Array.from({ length: 4 }, (_, i) => {
    const r = 40 + ((seed * 13 + i * 29) % 90);
    const cx = (seed * 97 + i * 173) % width;
    const cy = (seed * 61 + i * 131) % height;
    return `<circle cx="${cx}" cy="${cy}" r="${r}" fill="hsl(${(hue + 60 * (i + 1)) % 360},70%,60%)" fill-opacity="0.75"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},55%,35%)"/><stop offset="1" stop-color="hsl(${(hue + 140) % 360},60%,70%)"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/>${circles}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

// ---- the browser -------------------------------------------------------------------------------------

/** Debian's Chromium, headless, with the flags this machine needs (root: no sandbox; no GPU). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface PageOptions {
  /** The browser's language (navigator.language, Accept-Language). Default en-US. */
  locale?: string;
  colorScheme?: 'light' | 'dark';
  viewport?: { width: number; height: number };
}

export interface PageRecords {
  /** Every dialog the page opened (alert/confirm/prompt/beforeunload), by message; each is dismissed. */
  dialogs: string[];
  /** console.error lines and uncaught exceptions. */
  errors: string[];
}

const records = new WeakMap<Page, PageRecords>();

/** What a page made by newConsolePage/signedInPage recorded: dialogs (an XSS would fire alert) and errors. */
export function pageRecords(page: Page): PageRecords {
  const r = records.get(page);
  if (!r) throw new Error('pageRecords: this page was not made by newConsolePage or signedInPage');
  return r;
}

/** A fresh context (no cookies) and page, watched for dialogs and errors, not yet navigated. */
export async function newConsolePage(browser: Browser, opts: PageOptions = {}): Promise<Page> {
  const context: BrowserContext = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: opts.viewport ?? { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const r: PageRecords = { dialogs: [], errors: [] };
  records.set(page, r);
  page.on('dialog', (d) => {
    r.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') r.errors.push(m.text());
  });
  page.on('pageerror', (e) => r.errors.push(`uncaught: ${e.message}`));
  return page;
}

/** Signs in with the key through the console's form (the only password input, then Enter); returns the page at `path`. */
export async function signIn(page: Page, loupe: Pick<ConsoleLoupe, 'url' | 'apiKey'>, route = '/datasets'): Promise<void> {
  await page.goto(loupe.url + route);
  const key = page.locator('input[type=password]');
  await key.fill(loupe.apiKey);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session' && r.request().method() === 'POST');
  await key.press('Enter');
  const res = await answered;
  if (res.status() !== 200) throw new Error(`sign-in answered ${res.status()}: ${await res.text()}`);
  await key.waitFor({ state: 'detached' });
  // The console's first GET /api/v1/session is a 401 while signed out: expected, not an error of the page.
  const r = records.get(page);
  if (r) r.errors.splice(0, r.errors.length, ...r.errors.filter((e) => !/status of 401/.test(e)));
}

/** A new context and page (locale, colour scheme, viewport), signed in, at `route` (default /datasets). */
export async function signedInPage(browser: Browser, loupe: Pick<ConsoleLoupe, 'url' | 'apiKey'>, opts: PageOptions & { route?: string } = {}): Promise<Page> {
  const page = await newConsolePage(browser, opts);
  await signIn(page, loupe, opts.route);
  return page;
}

/**
 * Waits until `expression` (JavaScript evaluated in the page) is truthy, polling every 50 ms.
 * Instead of page.waitForFunction with a string: its polling evals the string inside the page,
 * which the console's CSP refuses (no 'unsafe-eval'), only when the first check fails.
 */
export async function waitForExpression(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An API call that must answer 200: its body, else a thrown error naming the route, status and body. */
export async function apiOk(loupe: ConsoleLoupe, method: string, route: string, body?: unknown): Promise<any> {
  const r = await loupe.api(method, route, body);
  if (r.status !== 200) throw new Error(`${method} ${route} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Writes `test/artifacts/<name>.png` (git-ignored) and returns its path. */
export async function shoot(page: Page, name: string, fullPage = false): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

