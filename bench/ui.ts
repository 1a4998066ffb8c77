// The console in a real browser (issue 12, "Performance"): Loupe serving the console over N file metas
// seeded straight into its SQLite MetaStore (as `search` seeds them), measured in Debian's Chromium:
// - firstPaint: page.goto(the data view URL) → the first rAF at which a tile is in the DOM (a tile shows
//   its placeholder at once), and → the first rAF at which a tile's thumbnail <img> has loaded;
// - lightbox: click on a tile → the first rAF with [data-testid=lightbox] in the DOM (and → every <img> in it
//   loaded, the 1440 px tier included);
// - scrolling: wheel events at a steady rate (--rate px/s, 20 per second) for 10 s; frame times are the
//   deltas between requestAnimationFrame callbacks meanwhile (p50/p95/p99/max, frames over 20 ms); then as
//   long back up, over thumbnails the HTTP cache holds (rendering without fetching and decoding new ones);
// - the end: the grid scrolled to its bottom (scrollTop = scrollHeight: a scrollbar drag) → the tile
//   with data-index = N−1 in the DOM (it must get there);
// - the JavaScript's gzip size (buildConsole's jsGzipBytes).
// Every meta's Uri is a distinct hard link to one of 48 generated JPEGs (one inode each, so the real ETag
// of the link is the source's and thumbnails work without writing N files). Sizes: --files N (default
// both 10,000 and 1,000,000); --runs K repetitions of the point measures (median reported).
import { linkSync, mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { startLoupe, type StartedLoupe } from '../cli/serve.js';
import { fileMetaId } from '../lib/domain/ids.js';
import { localFileEtag } from '../lib/domain/local-etag.js';
import { buildConsole } from '../lib/http/console-assets.js';
import type { ListedFileRow, MetaStore, ProbeUpdate, TagUpdate } from '../lib/ports/meta-store.js';
import { loadConfig } from '../lib/runtime/config.js';
import { jsonLogger } from '../lib/runtime/logger.js';
import { ARTIFACTS, chromiumMissing, CHROMIUM_SKIP_MESSAGE, generatedPng, launchBrowser, signedInPage } from '../test/browser/harness.js';
import { option, percentiles, random, round } from './support.js';

const KEY = 'bench-ui-key-0123456789abcdef';
const SOURCES = 48;
const FOLDERS = 100;
const SEED_BATCH = 10_000;
const SCROLL_SECONDS = 10;
const GOALS = { firstPaintMs: 1000, lightboxMs: 150, scrollP95FrameMs: 20, jsGzipBytes: 60 * 1024 };
const TAGS = ['person', 'car', 'dog', 'cat', 'tree', 'building', 'sky', 'road', 'bicycle', 'boat', 'night', 'snow', '行人', '汽车', 'traffic light', 'bus'];
/** Source image shapes (width × height), so a justified layout has something to justify. */
const SHAPES: Array<[number, number]> = [[640, 480], [480, 640], [800, 450], [600, 600], [720, 480], [480, 720]];

interface Source {
  file: string;
  etag: string;
  size: number;
  width: number;
  height: number;
}

/** The generated JPEGs every meta links to. */
async function writeSources(dir: string): Promise<Source[]> {
  mkdirSync(dir, { recursive: true });
  const out: Source[] = [];
  for (let s = 0; s < SOURCES; s++) {
    const [width, height] = SHAPES[s % SHAPES.length]!;
    const file = path.join(dir, `source_${s}.jpg`);
    await writeFile(file, await sharp(await generatedPng(s + 1, width, height)).jpeg({ quality: 80 }).toBuffer());
    const st = statSync(file, { bigint: true });
    out.push({ file, etag: localFileEtag(st), size: Number(st.size), width, height });
  }
  return out;
}

/** Seeds `files` metas (ACTIVE, probed, 1–4 AI tags) whose Uris are hard links to the sources. */
async function seed(store: MetaStore, datasetId: string, filesDir: string, sources: Source[], files: number, say: (s: string) => void) {
  for (let f = 0; f < FOLDERS; f++) mkdirSync(path.join(filesDir, `d${String(f).padStart(2, '0')}`), { recursive: true });
  const rootUri = `${pathToFileURL(filesDir).href}/`;
  const now = new Date().toISOString();
  const r = random(11);
  const t0 = performance.now();
  for (let from = 0; from < files; from += SEED_BATCH) {
    const listed: ListedFileRow[] = [];
    const probed: ProbeUpdate[] = [];
    const tagged: TagUpdate[] = [];
    for (let i = from; i < Math.min(files, from + SEED_BATCH); i++) {
      const src = sources[i % SOURCES]!;
      const fileDir = `d${String(i % FOLDERS).padStart(2, '0')}/`;
      const fileName = `img_${String(i).padStart(7, '0')}.jpg`;
      linkSync(src.file, path.join(filesDir, fileDir, fileName));
      const uri = `${rootUri}${fileDir}${fileName}`;
      const id = fileMetaId(datasetId, 'v1', uri);
      listed.push({
        datasetFileMetaId: id,
        datasetId,
        versionName: 'v1',
        uri,
        fileName,
        fileDir,
        dataSize: src.size,
        fileFingerPrint: src.etag,
        fileCreateTime: null,
        fileUpdateTime: new Date(Date.parse('2025-01-01T00:00:00Z') + i * 30_000).toISOString(),
        fileType: 'image',
        fileFormat: 'jpeg',
        reset: true,
      });
      probed.push({
        datasetFileMetaId: id,
        fileFingerPrint: src.etag,
        status: 'ACTIVE',
        fileType: 'image',
        fileFormat: 'jpeg',
        contentType: 'image/jpeg',
        metaAttributes: { ImageWidth: src.width, ImageHeight: src.height },
        failReason: null,
        probeDepth: 'header',
      });
      const ai = new Set<string>();
      const count = 1 + Math.floor(r() * 4);
      while (ai.size < count) ai.add(TAGS[Math.floor(r() ** 2 * TAGS.length)]!);
      tagged.push({ datasetFileMetaId: id, fileFingerPrint: src.etag, ai: [...ai], tagDefinitionId: 'def-bench', tagDefinitionVersion: 1, model: 'qwen-vl-max', jobId: 'job-bench-tag' });
    }
    await store.upsertListedFiles(listed, 'job-bench-listing', now);
    await store.applyProbeResults(probed, now);
    await store.applyTagResults(tagged, now);
    const done = Math.min(files, from + SEED_BATCH);
    if (done % 100_000 === 0 || done === files) say(`seeded ${done} file metas (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`);
  }
  return { seconds: round((performance.now() - t0) / 1000) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? round(s[Math.floor((s.length - 1) / 2)]!) : null;
};

/**
 * Installed before any page script: a rAF loop recording, against the navigation's time origin, the
 * first frame with a tile in the DOM and the first with a tile's image loaded. (An init script comes
 * from the browser's automation, not the page: the console's CSP does not apply to it.)
 */
const FIRST_PAINT_PROBE = `(() => {
  const out = (window.__loupeBench = { tile: null, image: null });
  const tick = () => {
    const tile = document.querySelector('[data-testid="tile"]');
    if (tile && out.tile === null) out.tile = performance.now();
    if (out.image === null) {
      for (const img of document.querySelectorAll('[data-testid="tile"] img')) {
        if (img.complete && img.naturalWidth > 0) { out.image = performance.now(); break; }
      }
    }
    if (out.tile === null || out.image === null) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

async function firstPaint(page: Page, url: string) {
  await page.addInitScript(FIRST_PAINT_PROBE);
  await page.goto(url);
  await page.waitForFunction(() => {
    const b = (globalThis as { __loupeBench?: { tile: number | null; image: number | null } }).__loupeBench;
    return b?.tile != null && b.image != null;
  }, undefined, { timeout: 30_000 });
  return (await page.evaluate('window.__loupeBench')) as { tile: number; image: number };
}

/** In the page: from the next pointerdown, the frames until the lightbox is in the DOM and until its image has loaded. */
const LIGHTBOX_PROBE = `new Promise((resolve) => {
  let start = 0;
  let open = null;
  const tick = () => {
    const lb = document.querySelector('[data-testid="lightbox"]');
    if (lb && open === null) open = performance.now() - start;
    const imgs = lb ? [...lb.querySelectorAll('img')] : [];
    if (open !== null && imgs.length && imgs.every((img) => img.complete && img.naturalWidth > 0)) return resolve({ open, image: performance.now() - start });
    if (performance.now() - start > 10000) return resolve({ open: open === null ? NaN : open, image: null });
    requestAnimationFrame(tick);
  };
  addEventListener('pointerdown', () => { start = performance.now(); requestAnimationFrame(tick); }, { once: true, capture: true });
})`;

/** Click on the tile at `index` → the frame with the lightbox, and → its image loaded. Closes it with Escape. */
async function openLightbox(page: Page, index: number) {
  const tile = page.locator(`[data-testid="tile"][data-index="${index}"]`);
  await tile.waitFor();
  const box = (await tile.boundingBox())!;
  await page.evaluate(`void (window.__lightbox = ${LIGHTBOX_PROBE})`); // void: evaluate must not wait for it
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const t = (await page.evaluate('window.__lightbox')) as { open: number; image: number | null };
  await page.keyboard.press('Escape');
  await page.locator('[data-testid="lightbox"]').waitFor({ state: 'detached' });
  return t;
}

/** In the page: the element that scrolls the grid, the nearest scrollable ancestor of a tile. */
const SCROLLER = `(() => {
  let el = document.querySelector('[data-testid="tile"]');
  while (el && el !== document.documentElement) {
    const s = getComputedStyle(el);
    if (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight) return el;
    el = el.parentElement;
  }
  return document.scrollingElement;
})()`;

/** In the page: the highest data-index among the tiles in the DOM. */
const HIGHEST_TILE = `Math.max(...[...document.querySelectorAll('[data-testid="tile"]')].map((t) => Number(t.dataset.index)))`;

/** In the page: the index of the first tile whose bottom is below the scroller's top (the top visible item). */
const TOP_TILE = `(() => {
  const top = ${SCROLLER}.getBoundingClientRect().top;
  const seen = [...document.querySelectorAll('[data-testid="tile"]')].filter((t) => t.getBoundingClientRect().bottom > top + 1);
  return Math.min(...seen.map((t) => Number(t.dataset.index)));
})()`;

/** Wheel events at `rate` px/s over the grid for SCROLL_SECONDS; rAF deltas meanwhile. */
async function steadyScroll(page: Page, rate: number, direction: 1 | -1 = 1) {
  const grid = (await page.evaluate(`(() => { const r = ${SCROLLER}.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; })()`)) as { x: number; y: number; width: number; height: number };
  await page.mouse.move(grid.x + grid.width / 2, grid.y + grid.height / 2); // over the grid's middle, where the wheel scrolls it
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__framing = true;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__framing) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const topBefore = (await page.evaluate(TOP_TILE)) as number;
  const steps = SCROLL_SECONDS * 20;
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    await page.mouse.wheel(0, (direction * rate) / 20);
    const wait = start + (i + 1) * 50 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const frames = (await page.evaluate('(window.__framing = false, window.__frames.slice(1))')) as number[];
  const elapsed = performance.now() - start;
  const topAfter = (await page.evaluate(TOP_TILE)) as number;
  const p = percentiles(frames);
  return {
    wheelPxPerSecond: rate * direction,
    seconds: round(elapsed / 1000),
    topIndexBefore: topBefore,
    topIndexAfter: topAfter,
    frames: frames.length,
    p50FrameMs: round(p.p50Ms),
    p95FrameMs: round(p.p95Ms),
    p99FrameMs: round(p.p99Ms),
    maxFrameMs: round(Math.max(...frames)),
    framesOver20Ms: frames.filter((f) => f > 20).length,
  };
}

/** Scrolls the grid to its bottom (as a scrollbar drag does) and waits for the tile of the last item. */
async function scrollToEnd(page: Page, last: number) {
  const start = performance.now();
  await page.evaluate(`(() => { const s = ${SCROLLER}; s.scrollTop = s.scrollHeight; })()`);
  const tile = page.locator(`[data-testid="tile"][data-index="${last}"]`);
  let reached = true;
  try {
    await tile.waitFor({ timeout: 15_000 });
  } catch {
    reached = false;
  }
  const ms = performance.now() - start;
  const shown = (await page.evaluate(HIGHEST_TILE)) as number;
  return { targetIndex: last, reached, ms: round(ms), highestIndexInDom: shown };
}

/**
 * A GET with the key, sent again once if the connection was reset: seeding blocks this process's event
 * loop for minutes, so the server's keep-alive timer and this client's reuse of the idle socket fire
 * together when it ends (both live in this process).
 */
async function idempotentGet(url: string): Promise<Response> {
  const get = () => fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
  try {
    return await get();
  } catch (e) {
    if ((e as Error & { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw e;
    return get();
  }
}

async function measure(browser: Browser, files: number, runs: number, rate: number, say: (s: string) => void) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-ui-'));
  let loupe: StartedLoupe | undefined;
  try {
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY, LOUPE_PORT: '0', LOUPE_WORKER_THREADS: '0', LOUPE_LOG_LEVEL: 'silent' });
    loupe = await startLoupe(config, { log: jsonLogger('silent'), console: await buildConsole() });
    const url = loupe.url.replace(/\/$/, '');
    const filesDir = path.join(root, 'files');
    mkdirSync(filesDir);
    const created = await fetch(`${url}/api/v1/datasets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Name: `bench-ui-${files}`, Uri: `${pathToFileURL(filesDir).href}/` }),
    });
    const body = (await created.json()) as { DatasetId?: string };
    if (!body.DatasetId) throw new Error(`creating the dataset: ${created.status} ${JSON.stringify(body)}`);
    const datasetId = body.DatasetId;
    say(`${files}: generating ${SOURCES} source images and seeding`);
    const sources = await writeSources(path.join(root, 'sources'));
    const seeding = await seed(loupe.container.store, datasetId, filesDir, sources, files, say);

    // The server's first query of a version builds its in-memory index (file-meta-index.ts): timed here
    // apart, so that the browser measures below see a warm server, as a user after the first visit does.
    const warmStart = performance.now();
    const warm = await idempotentGet(`${url}/api/v1/datasets/${datasetId}/datasetfilemetas?DatasetVersion=v1&PageSize=200&PageNumber=1`);
    if (!warm.ok) throw new Error(`the first list request answered ${warm.status}: ${await warm.text()}`);
    await warm.arrayBuffer();
    const serverFirstQueryMs = round(performance.now() - warmStart);
    say(`${files}: the server's first query (index build) took ${serverFirstQueryMs} ms`);

    const view = `${url}/datasets/${datasetId}/files?v=v1`;
    const paints: Array<{ tile: number; image: number }> = [];
    const lightboxes: Array<{ open: number; image: number | null }> = [];
    let page: Page | undefined;
    try {
      for (let k = 0; k < runs; k++) {
        if (page) await page.context().close();
        // A fresh context each run: the console's JS and CSS come from the HTTP cache of the sign-in page
        // (immutable, hashed), the thumbnails do not (a first visit of this view).
        page = await signedInPage(browser, { url, apiKey: KEY });
        paints.push(await firstPaint(page, view));
        lightboxes.push(await openLightbox(page, 3 + k));
      }
      say(`${files}: first paint ${median(paints.map((p) => p.tile))} ms (image ${median(paints.map((p) => p.image))} ms), lightbox ${median(lightboxes.map((l) => l.open))} ms`);
      const loadBeforeScroll = os.loadavg()[0]!;
      const scrolling = await steadyScroll(page!, rate);
      const scrollingBack = await steadyScroll(page!, rate, -1);
      say(`${files}: scrolling p50 ${scrolling.p50FrameMs} ms, p95 ${scrolling.p95FrameMs} ms; back over cached thumbnails p95 ${scrollingBack.p95FrameMs} ms`);
      const end = await scrollToEnd(page!, files - 1);
      say(`${files}: scroll to the end ${end.reached ? 'reached' : 'did NOT reach'} ${end.targetIndex} in ${end.ms} ms`);
      return {
        files,
        seeding,
        serverFirstQueryMs,
        firstPaint: {
          runs,
          medianTileMs: median(paints.map((p) => p.tile)),
          medianImageMs: median(paints.map((p) => p.image)),
          tileMs: paints.map((p) => round(p.tile)),
          imageMs: paints.map((p) => round(p.image)),
        },
        lightbox: {
          runs,
          medianOpenMs: median(lightboxes.map((l) => l.open)),
          medianImageMs: median(lightboxes.flatMap((l) => (l.image === null ? [] : [l.image]))),
          openMs: lightboxes.map((l) => round(l.open)),
          imageMs: lightboxes.map((l) => (l.image === null ? null : round(l.image))),
        },
        scrolling: { ...scrolling, loadAverage1m: round(loadBeforeScroll) },
        scrollingBackOverCachedThumbnails: scrollingBack,
        scrollToEnd: end,
      };
    } catch (e) {
      await page?.screenshot({ path: path.join(ARTIFACTS, `bench-ui-${files}-failed.png`) }).catch(() => undefined);
      throw e;
    } finally {
      await page?.context().close();
    }
  } finally {
    await loupe?.stop();
    say(`${files}: removing ${root}`);
    await rm(root, { recursive: true, force: true });
  }
}

export async function run(args: string[]) {
  if (chromiumMissing) throw new Error(CHROMIUM_SKIP_MESSAGE);
  const one = option(args, 'files', 0);
  const sizes = one > 0 ? [one] : [10_000, 1_000_000];
  const runs = option(args, 'runs', 5);
  const rate = option(args, 'rate', 2000);
  const say = (s: string) => process.stderr.write(`[ui ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const built = await buildConsole();
  const cssGzipBytes = [...built.files.entries()].filter(([name]) => name.endsWith('.css')).reduce((n, [, f]) => n + gzipSync(f.body).length, 0);
  const browser = await launchBrowser();
  const browserVersion = browser.version();
  const bySize: Record<string, unknown> = {};
  try {
    for (const files of sizes) {
      try {
        bySize[String(files)] = await measure(browser, files, runs, rate, say);
      } catch (e) {
        // one size failing (e.g. the first page never came) is a result too; the other sizes still run
        const cause = (e as Error & { cause?: Error }).cause;
        const failed = `${(e as Error).message.split('\n')[0]}${cause ? ` (${cause.message})` : ''}`;
        say(`${files}: FAILED: ${failed}`);
        bySize[String(files)] = { files, failed, screenshotWhenThePageWasUp: `test/artifacts/bench-ui-${files}-failed.png` };
      }
    }
  } finally {
    await browser.close();
  }
  return {
    bench: 'ui',
    loadAverage1mAtEnd: round(os.loadavg()[0]!),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, browser: `Chromium ${browserVersion}`, viewport: '1280×800', gpu: 'none (software raster)' },
    goals: GOALS,
    jsGzipBytes: built.jsGzipBytes,
    cssGzipBytes,
    definitions: {
      serverFirstQueryMs: "the first list request after seeding, from Node: the server builds the version's in-memory index then (file-meta-index.ts); the browser measures come after it",
      firstPaint: 'page.goto(data view URL), signed in, JS/CSS cached → first rAF with a [data-testid=tile] in the DOM (tile), and with a tile <img> loaded (image); ms from navigation start',
      lightbox: 'mouse click on a tile → first rAF with [data-testid=lightbox] in the DOM (open), and with every <img> in it loaded, the 1440 px tier included (image)',
      scrolling: `mouse.wheel every 50 ms at a steady rate for ${SCROLL_SECONDS} s down from the top (thumbnails fetched as they come), then as long back up (thumbnails in the HTTP cache); requestAnimationFrame deltas`,
      scrollToEnd: 'scroller.scrollTop = scrollHeight (a scrollbar drag to the bottom) → [data-testid=tile][data-index=N-1] in the DOM',
    },
    bySize,
  };
}
