// Writes docs/console-gallery.png, the README's picture of the console: Loupe over 60 landscapes drawn
// here from seeded random numbers (sky, sun or moon, ridges, lake, trees, stars: no photo, so nothing of
// anyone else's is copied into the project), tagged through the Qwen-VL chat double with what each
// drawing actually holds, shown in Debian's Chromium at 1280×800 with a few tiles selected.
// Run: npx tsx scripts/console-screenshot.ts   (needs Chromium: LOUPE_CHROMIUM or /usr/lib/chromium/chromium)
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { startLoupe } from '../cli/serve.js';
import { buildConsole } from '../lib/http/console-assets.js';
import { loadConfig } from '../lib/runtime/config.js';
import { jsonLogger } from '../lib/runtime/logger.js';
import { LoupeClient } from '../lib/sdk/index.js';
import { chromiumMissing, CHROMIUM_SKIP_MESSAGE, launchBrowser, signedInPage } from '../test/browser/harness.js';
import { startChatServer } from '../test/support/loopback-dashscope-chat.js';
import { mulberry32 } from '../test/support/loopback-server.js';

const OUT = path.resolve(import.meta.dirname, '..', 'docs', 'console-gallery.png');
const COUNT = 60;
const KEY = 'screenshot-key-0123456789abcdef';
const MODEL_KEY = 'sk-screenshot-model-key';
const TAGS = ['sunset', 'night', 'daylight', 'mountains', 'lake', 'forest', 'stars', 'snow', 'moon', 'sun'];

/** One landscape: the SVG and the tags that are true of it. */
function landscape(seed: number, width: number, height: number): { svg: string; tags: string[] } {
  const r = mulberry32(seed * 7919 + 17);
  const between = (a: number, b: number) => a + r() * (b - a);
  const time = r() < 0.4 ? 'daylight' : r() < 0.6 ? 'sunset' : 'night';
  const tags = new Set<string>([time]);
  const sky =
    time === 'daylight'
      ? ['#5aa9e6', '#cfe8ff']
      : time === 'sunset'
        ? [`hsl(${between(250, 290)},45%,30%)`, `hsl(${between(15, 40)},90%,62%)`]
        : ['#0b1026', '#28305a'];
  const parts: string[] = [];
  parts.push(`<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky[0]}"/><stop offset="1" stop-color="${sky[1]}"/></linearGradient></defs>`);
  parts.push(`<rect width="${width}" height="${height}" fill="url(#sky)"/>`);
  if (time === 'night') {
    tags.add('stars');
    for (let i = 0; i < 60; i++) parts.push(`<circle cx="${between(0, width)}" cy="${between(0, height * 0.55)}" r="${between(0.6, 1.8)}" fill="#fff" fill-opacity="${between(0.4, 1)}"/>`);
  }
  const orbX = between(width * 0.15, width * 0.85);
  const orbY = between(height * 0.12, height * 0.42);
  if (time === 'night') {
    tags.add('moon');
    parts.push(`<circle cx="${orbX}" cy="${orbY}" r="${height * 0.06}" fill="#f4f1de"/>`);
  } else {
    tags.add('sun');
    parts.push(`<circle cx="${orbX}" cy="${orbY}" r="${height * (time === 'sunset' ? 0.11 : 0.07)}" fill="${time === 'sunset' ? '#ffb347' : '#fff6c2'}"/>`);
  }
  const horizon = between(height * 0.55, height * 0.72);
  const ridges = 1 + Math.floor(r() * 3);
  const snowy = r() < 0.35;
  if (ridges > 0) tags.add('mountains');
  for (let k = 0; k < ridges; k++) {
    const base = horizon + k * height * 0.04;
    const peak = base - between(height * 0.15, height * 0.4) / (k + 1);
    const pts: string[] = [`0,${base}`];
    const steps = 4 + Math.floor(r() * 4);
    for (let s = 1; s < steps; s++) pts.push(`${(width * s) / steps + between(-20, 20)},${between(peak, base - 10)}`);
    pts.push(`${width},${base}`);
    const light = time === 'night' ? 12 + k * 6 : time === 'sunset' ? 22 + k * 8 : 35 + k * 8;
    parts.push(`<polygon points="${pts.join(' ')} ${width},${height} 0,${height}" fill="hsl(${between(200, 250)},${time === 'night' ? 25 : 20}%,${light}%)"/>`);
    if (snowy && k === 0) {
      tags.add('snow');
      for (const p of pts.slice(1, -1)) {
        const [x, y] = p.split(',').map(Number) as [number, number];
        if (y < base - height * 0.12) parts.push(`<polygon points="${x},${y} ${x - 22},${y + 26} ${x + 22},${y + 26}" fill="#f5f7fa"/>`);
      }
    }
  }
  const ground = horizon + height * 0.1;
  const lake = r() < 0.45;
  parts.push(`<rect y="${ground}" width="${width}" height="${height - ground}" fill="${time === 'night' ? '#102018' : time === 'sunset' ? '#3b2f2f' : '#4f7942'}"/>`);
  if (lake) {
    tags.add('lake');
    parts.push(`<ellipse cx="${between(width * 0.3, width * 0.7)}" cy="${ground + (height - ground) * 0.55}" rx="${width * between(0.25, 0.4)}" ry="${(height - ground) * 0.3}" fill="${sky[1]}" fill-opacity="0.85"/>`);
  }
  if (r() < 0.55) {
    tags.add('forest');
    const trees = 8 + Math.floor(r() * 14);
    for (let i = 0; i < trees; i++) {
      const x = between(0, width);
      const y = between(ground - 6, height - 10);
      const h = between(28, 60) * (y / height);
      parts.push(`<polygon points="${x},${y - h} ${x - h * 0.35},${y} ${x + h * 0.35},${y}" fill="hsl(${between(110, 150)},45%,${time === 'night' ? 10 : 22}%)"/>`);
    }
  }
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`, tags: [...tags] };
}

async function main() {
  if (chromiumMissing) throw new Error(CHROMIUM_SKIP_MESSAGE);
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-screenshot-'));
  const photos = path.join(root, 'landscapes');
  await mkdir(photos, { recursive: true });
  const tagsBySha = new Map<string, string[]>();
  const shapes: Array<[number, number]> = [[960, 640], [800, 800], [1024, 576], [720, 960]];
  for (let i = 0; i < COUNT; i++) {
    const [w, h] = shapes[i % shapes.length]!;
    const { svg, tags } = landscape(i + 1, w, h);
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
    tagsBySha.set(createHash('sha256').update(jpeg).digest('hex'), tags);
    await writeFile(path.join(photos, `landscape_${String(i + 1).padStart(3, '0')}.jpg`), jpeg);
  }
  const chat = await startChatServer({
    apiKey: MODEL_KEY,
    answerFor: (image) => {
      const tags = tagsBySha.get(createHash('sha256').update(image).digest('hex'));
      return tags && Object.fromEntries(tags.map((t) => [t, true]));
    },
  });
  const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY, LOUPE_MODEL_URL_POLICY: 'any', LOUPE_PORT: '0', LOUPE_WORKER_THREADS: '0', LOUPE_LOG_LEVEL: 'silent' });
  const loupe = await startLoupe(config, { log: jsonLogger('silent'), console: await buildConsole() });
  const browser = await launchBrowser();
  try {
    const url = loupe.url.replace(/\/$/, '');
    const client = new LoupeClient({ url, apiKey: KEY });
    const ok = async (method: string, route: string, body: unknown) => {
      const res = await fetch(url + route, { method, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, string>;
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const { DatasetId } = await ok('POST', '/api/v1/datasets', { Name: 'landscapes', Description: 'generated landscapes', Uri: `${pathToFileURL(photos).href}/` });
    const job = async (JobAction: string, JobSpec?: object) => {
      const { DatasetJobId } = await ok('POST', `/api/v1/datasets/${DatasetId}/datasetjobs`, { DatasetVersion: 'v1', JobAction, ...(JobSpec ? { JobSpec } : {}) });
      const done = await client.waitForJob(DatasetId!, DatasetJobId!, { intervalMs: 100, signal: AbortSignal.timeout(120_000) });
      if (done.Status !== 'Succeeded') throw new Error(`${JobAction} ended ${done.Status}`);
    };
    await job('FileMetaBuild');
    const { ConnectionId } = await ok('POST', '/api/v1/connections', { ConnectionName: 'qwen-vl', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url }, Secrets: { ApiKey: MODEL_KEY } });
    const { TagDefinitionId } = await ok('POST', '/api/v1/tagdefinitions', {
      Name: 'landscapes',
      GuidePrompt: 'Tag outdoor scenes.',
      Tags: TAGS.map((Name) => ({ Name, Description: `the picture shows ${Name}` })),
    });
    await job('IntelligentTag', { connectionId: ConnectionId, modelName: 'qwen-vl-max', tagDefinitionId: TagDefinitionId });

    const page = await signedInPage(browser, { url, apiKey: KEY }, { viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
    await page.goto(`${url}/datasets/${DatasetId}/files?v=v1&layout=justified`);
    await page.locator('[data-testid="tile"] img').first().waitFor();
    const check = (i: number) => page.locator(`[data-testid="tile"][data-index="${i}"] [data-testid="tile-check"]`);
    await check(1).click();
    await check(3).click({ modifiers: ['Shift'] });
    await page.waitForLoadState('networkidle');
    await page.mouse.move(0, 0);
    await page.evaluate('document.activeElement && document.activeElement.blur()'); // no focus ring in the picture
    await page.screenshot({ path: OUT });
    process.stdout.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
  } finally {
    await browser.close();
    await loupe.stop();
    await chat.close();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
