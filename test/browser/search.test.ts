// The search sidebar, the DSL box and the histogram in Chromium against a real Loupe on the COCO
// photos (test/browser/harness.ts): text, image (upload, picked file, "more like this"), tag, metadata
// and DSL searches show what the API answers for the same query; the sidebar writes the query language
// and editing it updates the sidebar; a syntax error is underlined where the API says; the histogram
// shows the statistics API's counts and a click on a bar adds that condition.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../support/fixtures.js';
import { apiOk, browserSkipReason, launchBrowser, pageRecords, shoot, signedInPage, startConsoleLoupe, type ConsoleLoupe } from './harness.js';

interface Meta {
  DatasetFileMetaId: string;
  FileName: string;
  Uri: string;
}
interface Listed {
  ids: string[];
  total: number;
}

/** Goes to `route` inside the page (as a link does), keeping the signed-in page and its state. */
const inPage = (page: Page, route: string) => page.evaluate(`history.pushState(null, '', ${JSON.stringify(route)}); dispatchEvent(new PopStateEvent('popstate'))`);

/** Whether a URL is the data view's list request (GET, or POST for an uploaded image), not the statistics. */
function isList(url: string): boolean {
  const p = new URL(url).pathname;
  return /^\/api\/v1\/datasets\/[^/]+\/datasetfilemetas(\/action\/search)?$/.test(p);
}

/** Index → id of every tile the grid shows, scrolling it from the top to the end (and back). */
async function shownIds(page: Page): Promise<string[]> {
  const seen = new Map<number, string>();
  await page.evaluate(`document.querySelector('.dv-scroll').scrollTop = 0`);
  for (let step = 0; step < 500; step++) {
    let got: Array<[number, string]> = [];
    for (let tries = 0; tries < 200; tries++) {
      got = await page.locator('[data-testid=tile]').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-index')), e.getAttribute('data-id') ?? ''] as [number, string]));
      if (got.every(([, id]) => id)) break;
      await page.waitForTimeout(30); // a page of results still loading
    }
    for (const [i, id] of got) seen.set(i, id);
    const atEnd = (await page.evaluate(`(() => { const s = document.querySelector('.dv-scroll'); const end = s.scrollTop + s.clientHeight >= s.scrollHeight - 1; s.scrollTop += s.clientHeight; return end; })()`)) as boolean;
    if (atEnd) break;
    await page.waitForTimeout(30);
  }
  await page.evaluate(`document.querySelector('.dv-scroll').scrollTop = 0`);
  return [...seen.keys()].sort((a, b) => a - b).map((i) => seen.get(i)!);
}

/** The number the result count shows. */
async function shownCount(page: Page): Promise<number> {
  const text = (await page.locator('[data-testid=result-count]').textContent()) ?? '';
  return Number(text.replace(/[,\s]/g, '').match(/\d+/)?.[0] ?? NaN);
}

describe.skipIf(!!browserSkipReason)(`search sidebar, DSL box and histogram ${browserSkipReason}`, () => {
  let loupe: ConsoleLoupe;
  let browser: Browser;
  let page: Page;
  let files: string;

  beforeAll(async () => {
    loupe = await startConsoleLoupe();
    browser = await launchBrowser();
    page = await signedInPage(browser, loupe);
    files = `/datasets/${encodeURIComponent(loupe.datasetId)}/files`;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await loupe?.stop();
  });

  const ok = (method: string, route: string, body?: unknown) => apiOk(loupe, method, route, body);
  const metas = () => `/api/v1/datasets/${loupe.datasetId}/datasetfilemetas`;
  /** The API's answer for the same question: every result's id in order, and TotalCount. */
  const listed = async (fields: Record<string, string>): Promise<Listed> => {
    const r = await ok('GET', `${metas()}?${new URLSearchParams({ DatasetVersion: loupe.version, MaxResults: '1000', ...fields })}`);
    return { ids: r.DatasetFileMetas.map((m: Meta) => m.DatasetFileMetaId), total: r.TotalCount };
  };
  const stats = async (by: string, q: string) =>
    (await ok('GET', `/api/v1/statistics/datasets/${loupe.datasetId}/datasetfilemetas?${new URLSearchParams({ DatasetVersion: loupe.version, AggregateBy: by, MaxResults: '1000', ...(q ? { QueryExpression: q } : {}) })}`)) as {
      DatasetFileMetasStats: Array<{ Key: string; Count: number }>;
    };
  const runningQ = () => new URL(page.url()).searchParams.get('q') ?? '';
  const dsl = () => page.inputValue('[data-testid=dsl]');

  /** Does `act`, waits for the list request it causes and (when it succeeded) for the count to show. */
  const searched = async (act: () => Promise<unknown>) => {
    const answered = page.waitForResponse((r) => isList(r.url()));
    await act();
    const res = await answered;
    // (no waitForFunction: its polling evaluates a string, which the console's CSP refuses)
    if (res.ok()) await expect.poll(() => shownCount(page)).not.toBeNaN();
    return res;
  };
  /** The page shows exactly the API's results for the same question. */
  const expectShows = async (api: Listed) => {
    expect(api.total).toBeGreaterThan(0);
    await expect.poll(() => shownCount(page)).toBe(api.total);
    expect(await shownIds(page)).toEqual(api.ids);
  };
  /** The data view with no query (a new page load: no uploaded image either). */
  const fresh = () => searched(() => page.goto(loupe.url + files));

  it('a text search: the sidebar writes Content:"…" into the DSL box, Enter runs it, the page shows the API’s ranking', async () => {
    await fresh();
    await page.fill('[data-testid=query-text]', 'dog');
    expect(await dsl()).toBe('Content:"dog"');
    expect(runningQ()).toBe(''); // typing does not search
    await searched(() => page.press('[data-testid=query-text]', 'Enter'));
    expect(runningQ()).toBe('Content:"dog"');
    await expectShows(await listed({ QueryExpression: 'Content:"dog"' }));

    await page.click('.search-sidebar details.advanced > summary');
    await page.fill('[data-testid=query-topk]', '5');
    await page.fill('[data-testid=query-threshold]', '0.1');
    expect(await dsl()).toBe('Content:"dog" AND TopK=5 AND ScoreThreshold=0.1');
    await searched(() => page.click('[data-testid=search]'));
    await expectShows(await listed({ QueryExpression: 'Content:"dog" AND TopK=5 AND ScoreThreshold=0.1' }));
    await shoot(page, 'search-text-en-light');
  });

  it('tags any / all / exclude: chips write the query, their counts are the statistics API’s, the page shows the API’s results', async () => {
    await fresh();
    for (const [group, tag] of [['any', 'dog'], ['any', 'cat'], ['all', 'person'], ['exclude', 'car']] as const) {
      await page.fill(`[data-testid=tag-input-${group}]`, tag);
      await page.press(`[data-testid=tag-input-${group}]`, 'Enter');
    }
    const q = '(Tags.all = "dog" OR Tags.all = "cat") AND Tags.all = "person" AND NOT Tags.all = "car"';
    expect(await dsl()).toBe(q);
    const counts = new Map((await stats('tags.all', q)).DatasetFileMetasStats.map((g) => [g.Key, g.Count]));
    await expect.poll(() => page.locator('[data-testid=tags-all] [data-tag=person] .chip-count').textContent()).toBe(String(counts.get('person') ?? 0));
    await expect.poll(() => page.locator('[data-testid=tags-any] [data-tag=dog] .chip-count').textContent()).toBe(String(counts.get('dog') ?? 0));
    // suggestions: the version's tags, as the statistics API counts them
    const version = (await stats('tags.all', '')).DatasetFileMetasStats;
    await expect.poll(() => page.locator('.search-sidebar datalist option').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual(version.map((g) => g.Key));
    expect(await page.locator('[data-testid=tags-exclude] [data-tag=car] .chip-count').textContent()).toBe(String(version.find((g) => g.Key === 'car')!.Count));
    await shoot(page, 'search-tags-en-light');
    await searched(() => page.press('[data-testid=tag-input-exclude]', 'Enter')); // Enter on an empty tag input runs
    expect(runningQ()).toBe(q);
    await expectShows(await listed({ QueryExpression: q }));

    // removing a chip rewrites the query
    await page.click('[data-testid=tags-any] [data-tag=cat] button');
    expect(await dsl()).toBe('Tags.all = "dog" AND Tags.all = "person" AND NOT Tags.all = "car"');
  });

  it('metadata: file name words, the exact folder and a last-modified range; the page shows the API’s results', async () => {
    await fresh();
    const one = [...loupe.labels.keys()].find((n) => n.endsWith('.jpg'))!;
    const word = one.replace(/\.jpg$/, '');
    await page.fill('[data-testid=query-filename]', word);
    await page.check('[data-testid=query-folder-exact]');
    await page.fill('[data-testid=query-from]', '2000-01-01T00:00');
    const from = new Date(2000, 0, 1).toISOString().replace('.000Z', 'Z');
    const q = `FileName:"${word}" AND FileDir = "" AND FileUpdateTime >= "${from}"`;
    expect(await dsl()).toBe(q);
    await searched(() => page.press('[data-testid=query-filename]', 'Enter'));
    const api = await listed({ QueryExpression: q });
    expect(api.total).toBe(1);
    await expectShows(api);
    await page.fill('[data-testid=query-to]', '2001-01-01T00:00');
    await searched(() => page.click('[data-testid=sidebar-search]'));
    await expect.poll(() => shownCount(page)).toBe(0);
  });

  it('the DSL box: typing updates the sidebar (terms without a field listed as text), Enter runs, Back returns', async () => {
    await fresh();
    const q = 'Tags.all = "person" AND NOT Tags.all = "dog" AND ImageWidth > 600 AND FileName:"jpg"';
    await page.fill('[data-testid=dsl]', q);
    await expect.poll(() => page.locator('[data-testid=tags-all] .chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))).toEqual(['person']);
    expect(await page.locator('[data-testid=tags-exclude] .chip').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))).toEqual(['dog']);
    expect(await page.inputValue('[data-testid=query-filename]')).toBe('jpg');
    expect(await page.locator('[data-testid=form-extras] .chip-text').allTextContents()).toEqual(['ImageWidth > 600']);
    expect(runningQ()).toBe('');
    await searched(() => page.press('[data-testid=dsl]', 'Enter'));
    expect(runningQ()).toBe(q);
    await expectShows(await listed({ QueryExpression: q }));
    await shoot(page, 'search-dsl-en-light');

    // a form change keeps the term it cannot show
    await page.fill('[data-testid=query-filename]', '');
    expect(await dsl()).toBe('Tags.all = "person" AND NOT Tags.all = "dog" AND ImageWidth > 600');

    await searched(() => page.goBack());
    expect(runningQ()).toBe('');
    expect(await dsl()).toBe('');
  });

  it('a syntax error is underlined at the API’s Position.Offset, to the end of that token', async () => {
    await fresh();
    const bad = 'Tags.all = "person" AND Bogus = "x"';
    const direct = await loupe.api('GET', `${metas()}?${new URLSearchParams({ QueryExpression: bad })}`);
    expect(direct.status).toBe(400);
    const offset: number = direct.body.Position.Offset;
    expect(bad.slice(offset)).toMatch(/^Bogus/);

    await page.fill('[data-testid=dsl]', bad);
    await searched(() => page.press('[data-testid=dsl]', 'Enter'));
    const mark = page.locator('[data-testid=dsl-error-mark][data-source=api]');
    await mark.waitFor();
    expect(Number(await mark.getAttribute('data-offset'))).toBe(offset);
    expect(await mark.textContent()).toBe('Bogus');
    expect(await page.locator('[data-testid=dsl-error]').textContent()).toBe(direct.body.Message);
    // the underline sits under the word: the mirror's span is where the text is
    const box = (await mark.boundingBox())!;
    const area = (await page.locator('[data-testid=dsl]').boundingBox())!;
    expect(box.x).toBeGreaterThan(area.x + 8);
    expect(box.width).toBeGreaterThan(10);
    await shoot(page, 'search-dsl-error-en-light');

    // while typing, the bundled parser points at the same kind of place before anything is sent
    await page.fill('[data-testid=dsl]', 'FileName:"a" AND');
    const client = page.locator('[data-testid=dsl-error-mark][data-source=client]');
    await client.waitFor();
    expect(Number(await client.getAttribute('data-offset'))).toBe('FileName:"a" AND'.length);
    await page.fill('[data-testid=dsl]', 'FileName:"a"');
    await page.locator('[data-testid=dsl-error]').waitFor({ state: 'detached' });
  });

  it('image search by upload: the page shows what the API answers for the same image', async () => {
    await fresh();
    const name = [...loupe.labels.keys()].find((n) => n.endsWith('.jpg'))!;
    const bytes = await readFile(path.join(fixturesDir!, 'coco', 'images', name));
    const res = await searched(() => page.setInputFiles('[data-testid=image-upload]', { name, mimeType: 'image/jpeg', buffer: bytes }));
    expect(res.request().method()).toBe('POST');
    expect(res.status(), await res.text()).toBe(200);
    await expect(page.locator('[data-testid=query-image]').textContent()).resolves.toContain(name);
    expect(new URL(page.url()).searchParams.get('img')).toBeNull(); // an upload is not in the URL
    const api = await ok('POST', `${metas()}/action/search`, { DatasetVersion: loupe.version, MaxResults: 1000, QueryImageData: bytes.toString('base64') });
    await expectShows({ ids: api.DatasetFileMetas.map((m: Meta) => m.DatasetFileMetaId), total: api.TotalCount });
    await shoot(page, 'search-image-upload-en-light');
    await searched(() => page.click('[data-testid=query-image-clear]'));
    expect(await page.locator('[data-testid=query-image]').count()).toBe(0);
  });

  it('image search by a picked file and by "more like this": img= in the URL, a chip with ×, the API’s results', async () => {
    await fresh();
    const all: Meta[] = (await ok('GET', `${metas()}?${new URLSearchParams({ DatasetVersion: loupe.version, MaxResults: '1000' })}`)).DatasetFileMetas;
    const target = all.find((m) => m.FileName.endsWith('.jpg'))!;
    await page.click('[data-testid=image-pick]');
    await page.fill('[data-testid=image-picker-name]', target.FileName.slice(0, -4));
    await page.locator(`[data-testid=image-picker-item][data-id="${target.DatasetFileMetaId}"]`).waitFor();
    await searched(() => page.click(`[data-testid=image-picker-item][data-id="${target.DatasetFileMetaId}"]`));
    expect(new URL(page.url()).searchParams.get('img')).toBe(target.DatasetFileMetaId);
    await expect(page.locator('[data-testid=query-image]').textContent()).resolves.toContain(target.FileName);
    await expectShows(await listed({ QueryImage: target.Uri }));
    await shoot(page, 'search-image-picked-en-light');

    const other = all.filter((m) => m.FileName.endsWith('.jpg'))[1]!;
    await inPage(page, `${files}?item=${other.DatasetFileMetaId}`);
    await page.locator('[data-testid=lightbox]').waitFor();
    await searched(() => page.click('[data-testid=more-like-this]'));
    expect(new URL(page.url()).searchParams.get('img')).toBe(other.DatasetFileMetaId);
    await expect(page.locator('[data-testid=query-image]').textContent()).resolves.toContain(other.FileName);
    await expectShows(await listed({ QueryImage: other.Uri }));
    await searched(() => page.click('[data-testid=query-image-clear]'));
    expect(new URL(page.url()).searchParams.get('img')).toBeNull();
  });

  it('the histogram shows the statistics API’s counts for the running query; a click on a bar adds it', async () => {
    await fresh();
    const q = 'Tags.all = "person"';
    await page.fill('[data-testid=dsl]', q);
    await searched(() => page.press('[data-testid=dsl]', 'Enter'));
    const bars = () => page.locator('[data-testid=hist-bar]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-count'))]));
    const want = (await stats('tags.all', q)).DatasetFileMetasStats.slice(0, 30).map((g) => [g.Key, g.Count]);
    await expect.poll(bars).toEqual(want);
    await page.locator('[data-testid=histogram]').evaluate((e) => e.scrollIntoView());
    await shoot(page, 'search-histogram-en-light');

    await page.click('[data-testid=hist-folders]');
    const folders = (await stats('filedir', q)).DatasetFileMetasStats.map((g) => [g.Key, g.Count]);
    await expect.poll(bars).toEqual(folders);
    await page.click('[data-testid=hist-tags]');
    await expect.poll(bars).toEqual(want);

    const second = want[1]![0] as string;
    await searched(() => page.click(`[data-testid=hist-bar][data-key="${second}"]`));
    const next = `Tags.all = "person" AND Tags.all = "${second}"`;
    expect(runningQ()).toBe(next);
    await expectShows(await listed({ QueryExpression: next }));
    const narrowed = (await stats('tags.all', next)).DatasetFileMetasStats.slice(0, 30).map((g) => [g.Key, g.Count]);
    await expect.poll(bars).toEqual(narrowed);
    expect(pageRecords(page).dialogs).toEqual([]);
  });

  it('renders in 简体中文 and dark mode: the sidebar, an error underlined, the histogram', async () => {
    const zh = await signedInPage(browser, loupe, { locale: 'zh-CN', colorScheme: 'dark', route: `${files}?${new URLSearchParams({ q: 'Tags.all = "person" AND Content:' })}` });
    try {
      await zh.locator('[data-testid=dsl-error-mark]').waitFor();
      expect(await zh.locator('.search-sidebar legend').first().textContent()).toBe('语义搜索');
      await shoot(zh, 'search-sidebar-zh-dark');
      await zh.fill('[data-testid=dsl]', 'Tags.all = "person"');
      await zh.press('[data-testid=dsl]', 'Enter');
      await zh.locator('[data-testid=hist-bar]').first().waitFor();
      await zh.locator('[data-testid=histogram]').evaluate((e) => e.scrollIntoView());
      await shoot(zh, 'search-histogram-zh-dark');
      expect(pageRecords(zh).dialogs).toEqual([]);
    } finally {
      await zh.context().close();
    }
  });
});
