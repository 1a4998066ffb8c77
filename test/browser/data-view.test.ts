// The data view in Chromium against a real Loupe on the COCO photos (test/browser/harness.ts): the
// gallery and the list show the API's results in the API's order, the lightbox's tag edits persist,
// shift-click ranges and "select all N matching" minus a Ctrl-click select exactly what they should (the
// Selection the page sends, resolved by the API), the URL alone reproduces the view in a new page, an
// export of a selection writes exactly the selection, and Back restores the scroll position.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOk, browserSkipReason, waitForExpression, launchBrowser, pageRecords, shoot, signedInPage, startConsoleLoupe, type ConsoleLoupe } from './harness.js';

interface Meta {
  DatasetFileMetaId: string;
  FileName: string;
  Tags: string;
  Score?: number;
}

/** Goes to `route` inside the page (as a link does), keeping the signed-in page and its state. */
const inPage = (page: Page, route: string) => page.evaluate(`history.pushState(null, '', ${JSON.stringify(route)}); dispatchEvent(new PopStateEvent('popstate'))`);

/** Index → id of every tile (or row) the grid shows, scrolling it from the top to the end. */
async function shownIds(page: Page, testid: 'tile' | 'row'): Promise<string[]> {
  const seen = new Map<number, string>();
  await page.evaluate(`document.querySelector('.dv-scroll').scrollTop = 0`);
  for (let step = 0; step < 500; step++) {
    await waitForExpression(page, `[...document.querySelectorAll('[data-testid=${testid}]')].every((e) => e.getAttribute('data-id'))`);
    const got = await page.locator(`[data-testid=${testid}]`).evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-index')), e.getAttribute('data-id') ?? ''] as [number, string]));
    for (const [i, id] of got) seen.set(i, id);
    const atEnd = (await page.evaluate(`(() => { const s = document.querySelector('.dv-scroll'); const end = s.scrollTop + s.clientHeight >= s.scrollHeight - 1; s.scrollTop += s.clientHeight; return end; })()`)) as boolean;
    if (atEnd) break;
    await page.waitForTimeout(30);
  }
  const indexes = [...seen.keys()].sort((a, b) => a - b);
  expect(indexes).toEqual(indexes.map((_, k) => k)); // no gap
  return indexes.map((i) => seen.get(i)!);
}

/** Scrolls the grid to its top and waits for the thumbnails on screen (before a screenshot). */
async function atTop(page: Page): Promise<void> {
  await page.evaluate(`document.querySelector('.dv-scroll').scrollTop = 0`);
  await waitForExpression(page, `[...document.querySelectorAll('.dv-scroll img')].every((i) => i.complete)`);
}

/** The first tile/row whose top is inside the scroller's viewport. */
const firstVisible = (page: Page, testid: 'tile' | 'row') =>
  page.evaluate(`(() => {
    const top = document.querySelector('.dv-scroll').getBoundingClientRect().top - 1;
    return Math.min(...[...document.querySelectorAll('[data-testid=${testid}]')].filter((e) => e.getBoundingClientRect().top >= top).map((e) => Number(e.dataset.index)));
  })()`) as Promise<number>;

describe.skipIf(!!browserSkipReason)(`data view ${browserSkipReason}`, () => {
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
  /** The API's answer for a query (every result, in order). */
  const listed = async (q = ''): Promise<Meta[]> => {
    const query = new URLSearchParams({ DatasetVersion: loupe.version, MaxResults: '1000', ...(q ? { QueryExpression: q } : {}) });
    return (await ok('GET', `/api/v1/datasets/${loupe.datasetId}/datasetfilemetas?${query}`)).DatasetFileMetas;
  };
  const metaOf = async (id: string): Promise<Meta> => (await ok('GET', `/api/v1/datasets/${loupe.datasetId}/datasetfilemetas/${id}`)).DatasetFileMeta;
  const tagsOf = (m: Meta) => JSON.parse(m.Tags) as { ai: string[]; user: string[]; 'user-delete-ai-tags': string[] };
  /** Loads `route` afresh (no dialog or selection left from a test before), once a tile or row shows. */
  const open = async (route: string, on: Page = page) => {
    await on.goto(loupe.url + route);
    await on.locator('[data-testid=tile], [data-testid=row]').first().waitFor();
  };
  /** The Selection the page sends with its next bulk-tag request (adding `tag`), and the server's Updated count. */
  const bulkTag = async (tag: string) => {
    await page.click('[data-testid=bulk-tags]');
    await page.fill('[data-testid=bulk-add]', tag);
    const sent = page.waitForRequest((r) => r.url().endsWith('/datasetfilemetas/action/updatetags'));
    await page.click('[data-testid=bulk-apply]');
    const selection = (await sent).postDataJSON().Selection;
    const updated = await page.locator('[data-testid=bulk-updated]').textContent();
    await page.keyboard.press('Escape');
    return { selection, updated };
  };
  const resolve = async (selection: unknown) =>
    (await ok('POST', `/api/v1/datasets/${loupe.datasetId}/datasetfilemetas/action/resolveselection`, { Selection: selection, MaxIds: 10_000 })) as {
      TotalCount: number;
      DatasetFileMetaIds: string[];
    };

  it('the gallery and the list show the API’s results in its order, for browsing and for a tag query', async () => {
    const all = await listed();
    await open(files);
    await expect(page.locator('[data-testid=result-count]').textContent()).resolves.toContain(String(all.length));
    expect(await shownIds(page, 'tile')).toEqual(all.map((m) => m.DatasetFileMetaId));
    await atTop(page);
    await shoot(page, 'data-gallery-en-light');

    await page.click('[data-testid=view-list]');
    expect(new URL(page.url()).searchParams.get('view')).toBe('list');
    expect(await shownIds(page, 'row')).toEqual(all.map((m) => m.DatasetFileMetaId));
    await atTop(page);
    await shoot(page, 'data-list-en-light');

    const label = [...loupe.labels.values()].flat().find((l) => l === 'dog') ?? [...loupe.labels.values()][0]![0]!;
    const q = `Tags.all="${label}"`;
    const some = await listed(q);
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(all.length);
    await open(`${files}?${new URLSearchParams({ q })}`);
    await expect(page.locator('[data-testid=result-count]').textContent()).resolves.toContain(String(some.length));
    expect(await shownIds(page, 'tile')).toEqual(some.map((m) => m.DatasetFileMetaId));

    await page.click('[data-testid=layout-justified]');
    expect(await shownIds(page, 'tile')).toEqual(some.map((m) => m.DatasetFileMetaId));
    await atTop(page);
    await shoot(page, 'data-gallery-justified-en-light');
  });

  it('a text query shows each tile’s score and the reason it returned fewer than TopK', async () => {
    const q = 'Content:"a dog" AND ScoreThreshold=0.25 AND TopK=20';
    const api = await ok('GET', `${metas()}?${new URLSearchParams({ DatasetVersion: loupe.version, QueryExpression: q, MaxResults: '1000' })}`);
    expect(api.DatasetFileMetas.length).toBeGreaterThan(0);
    expect(api.VectorSearch.Shortfall.Reason).toBe('ScoreThreshold'); // the label-embedding double scores a few files above 0.25
    await open(`${files}?${new URLSearchParams({ q })}`);
    expect(await shownIds(page, 'tile')).toEqual(api.DatasetFileMetas.map((m: Meta) => m.DatasetFileMetaId));
    await page.evaluate(`document.querySelector('.dv-scroll').scrollTop = 0`);
    const first = api.DatasetFileMetas[0] as Meta;
    await expect(page.locator(`[data-testid=tile][data-index="0"] .score`).textContent()).resolves.toBe(first.Score!.toFixed(3));
    await expect(page.locator('[data-testid=shortfall]').textContent()).resolves.toContain(api.VectorSearch.Shortfall.Message);
    await shoot(page, 'data-gallery-text-query-en-light');
  });

  it('the lightbox adds and removes tags, and the API has them', async () => {
    await open(`${files}?view=list`);
    const target = (await listed()).find((m) => tagsOf(m).ai.length > 0)!;
    await inPage(page, `${files}?view=list&item=${encodeURIComponent(target.DatasetFileMetaId)}`);
    const box = page.locator('[data-testid=lightbox]');
    await box.waitFor();
    const ai = tagsOf(target).ai[0]!;
    await expect(box.locator('[data-testid=tags-ai]').textContent()).resolves.toContain(ai);

    await page.fill('[data-testid=tag-add-input]', 'picked-in-browser');
    await page.press('[data-testid=tag-add-input]', 'Enter');
    await box.locator('[data-testid=tags-user]', { hasText: 'picked-in-browser' }).waitFor();
    expect(tagsOf(await metaOf(target.DatasetFileMetaId)).user).toContain('picked-in-browser');

    await box.locator('[data-testid=tags-ai] .chip', { hasText: ai }).locator('button').click();
    await box.locator('[data-testid=tags-removed]', { hasText: ai }).waitFor();
    expect(tagsOf(await metaOf(target.DatasetFileMetaId))['user-delete-ai-tags']).toContain(ai);
    await shoot(page, 'data-lightbox-en-light');

    await box.locator('[data-testid=tags-user] .chip', { hasText: 'picked-in-browser' }).locator('button').click();
    await box.locator('[data-testid=tags-removed] .chip', { hasText: ai }).locator('button').click();
    await box.locator('[data-testid=tags-ai]', { hasText: ai }).waitFor();
    await expect(box.locator('[data-testid=tags-user]').textContent()).resolves.not.toContain('picked-in-browser');
    const after = tagsOf(await metaOf(target.DatasetFileMetaId));
    expect(after.user).not.toContain('picked-in-browser');
    expect(after['user-delete-ai-tags']).not.toContain(ai);

    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.get('item')).toBeNull();
  });

  it('"more like this" searches by the open file (img= in the URL) and shows what the API returns for it', async () => {
    const all = await listed();
    await open(`${files}?item=${encodeURIComponent(all[5]!.DatasetFileMetaId)}`);
    await page.locator('[data-testid=lightbox]').waitFor();
    await page.click('[data-testid=more-like-this]');
    await page.locator('[data-testid=lightbox]').waitFor({ state: 'detached' });
    const params = new URL(page.url()).searchParams;
    expect(params.get('img')).toBe(all[5]!.DatasetFileMetaId);
    expect(params.get('item')).toBeNull();
    const uri = (await metaOf(all[5]!.DatasetFileMetaId) as Meta & { Uri: string }).Uri;
    const api = await ok('GET', `${metas()}?${new URLSearchParams({ DatasetVersion: loupe.version, QueryImage: uri, MaxResults: '1000' })}`);
    await page.locator('[data-testid=tile] .score').first().waitFor();
    expect(await shownIds(page, 'tile')).toEqual(api.DatasetFileMetas.map((m: Meta) => m.DatasetFileMetaId));
  });

  it('the keyboard moves the focus, selects, extends, opens and steps through the results', async () => {
    const all = await listed();
    await open(files);
    await page.click('[data-testid=tile][data-index="0"] [data-testid=tile-check]'); // focus and anchor on 0
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain('4'); // 0..3
    await page.keyboard.press('Space'); // 3 off
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain('3');
    await expect(page.locator('[data-testid=tile][data-index="3"]').getAttribute('class')).resolves.toContain('focus');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=lightbox]').waitFor();
    expect(new URL(page.url()).searchParams.get('item')).toBe(all[3]!.DatasetFileMetaId);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL((u) => u.searchParams.get('item') === all[4]!.DatasetFileMetaId);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=lightbox]').waitFor({ state: 'detached' });
    await page.keyboard.press('?');
    await page.locator('[data-testid=key-sheet]').waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('/');
    await expect(page.evaluate(`document.activeElement?.dataset.testid`)).resolves.toBe('query-text');
    await page.evaluate(`document.querySelector('.dv-scroll').focus()`);
    await page.keyboard.press('Escape');
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain('0');
  });

  it('shift-click selects the range between anchor and click by result index', async () => {
    const all = await listed();
    await open(files);
    await page.click('[data-testid=tile][data-index="2"] [data-testid=tile-check]');
    await page.click('[data-testid=tile][data-index="9"] [data-testid=tile-check]', { modifiers: ['Shift'] });
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain('8');
    const { selection, updated } = await bulkTag('range-2-9');
    const expected = all.slice(2, 10).map((m) => m.DatasetFileMetaId);
    expect((await resolve(selection)).DatasetFileMetaIds.sort()).toEqual([...expected].sort());
    expect(updated).toContain('8');
    const tagged = (await listed('Tags.user="range-2-9"')).map((m) => m.DatasetFileMetaId);
    expect(tagged.sort()).toEqual([...expected].sort());
    await page.keyboard.press('Escape'); // clears the selection
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain('0');
  });

  it('"select all N matching" minus a Ctrl-click is the whole result but that file', async () => {
    const label = [...loupe.labels.values()].flat().find((l) => l === 'person') ?? [...loupe.labels.values()][0]![0]!;
    const q = `Tags.all="${label}"`;
    const some = await listed(q);
    await open(`${files}?${new URLSearchParams({ q })}`);
    await page.click('[data-testid=select-all-matching]');
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain(String(some.length));
    await page.click('[data-testid=tile][data-index="1"]', { modifiers: ['Control'] });
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain(String(some.length - 1));
    await shoot(page, 'data-selection-en-light');
    const { selection } = await bulkTag('all-but-one');
    expect(selection.All).toBe(true);
    expect(selection.Excluded).toEqual([some[1]!.DatasetFileMetaId]);
    const resolved = await resolve(selection);
    expect(resolved.TotalCount).toBe(some.length - 1);
    expect(resolved.DatasetFileMetaIds.sort()).toEqual(some.filter((_, k) => k !== 1).map((m) => m.DatasetFileMetaId).sort());
    await page.keyboard.press('Escape');
  });

  it('bulk tags on every result of a query: the server’s count, then the rows on screen refreshed in place', async () => {
    const q = 'NOT Tags.all="person"';
    const some = await listed(q);
    await open(`${files}?${new URLSearchParams({ q, view: 'list' })}`);
    await page.locator('.dv-scroll').hover();
    for (let k = 0; k < 3; k++) await page.mouse.wheel(0, 200);
    await page.waitForTimeout(400);
    const before = await firstVisible(page, 'row');
    expect(before).toBeGreaterThan(0);
    await page.click('[data-testid=bulk-tags]');
    await expect(page.locator('.dialog input[name=scope]').first().isDisabled()).resolves.toBe(true); // nothing selected: the whole result
    await page.fill('[data-testid=bulk-add]', 'whole-result');
    await page.click('[data-testid=bulk-apply]');
    await expect(page.locator('[data-testid=bulk-updated]').textContent()).resolves.toContain(String(some.length));
    await shoot(page, 'data-bulk-tags-en-light');
    await page.keyboard.press('Escape');
    await page.locator(`[data-testid=row][data-index="${before}"]`, { hasText: 'whole-result' }).waitFor();
    expect(await firstVisible(page, 'row')).toBe(before);
    expect((await listed('Tags.user="whole-result"')).length).toBe(some.length);
    await ok('POST', `${metas()}/action/updatetags`, { Selection: { Query: { DatasetVersion: loupe.version, QueryExpression: q }, All: true }, RemoveTags: ['whole-result'] });
  });

  it('the URL alone shows the same results, view and open file in a new page', async () => {
    const q = 'NOT Tags.all="person"';
    await open(`${files}?${new URLSearchParams({ q, view: 'list' })}`);
    const rows = await shownIds(page, 'row');
    const id = rows[Math.min(3, rows.length - 1)]!;
    await page.evaluate(`document.querySelector('.dv-scroll').scrollTop = 0`);
    await page.click(`[data-testid=row][data-id="${id}"]`);
    await page.locator('[data-testid=lightbox]').waitFor();
    const url = page.url();
    expect(new URL(url).searchParams.get('item')).toBe(id);

    const other = await signedInPage(browser, loupe, { route: new URL(url).pathname + new URL(url).search });
    await other.locator('[data-testid=lightbox]').waitFor();
    await expect(other.locator('.lb-title').textContent()).resolves.toBe((await metaOf(id)).FileName);
    await other.keyboard.press('Escape');
    await other.locator('[data-testid=lightbox]').waitFor({ state: 'detached' });
    expect(await shownIds(other, 'row')).toEqual(rows);
    expect(pageRecords(other).errors).toEqual([]);
    await other.context().close();
    await page.keyboard.press('Escape');
  });

  it('exports a selection to a folder: the manifest holds exactly the selection', async () => {
    const all = await listed();
    const dir = path.join(loupe.root, 'exports', 'selection');
    await mkdir(dir, { recursive: true });
    await open(files);
    await page.click('[data-testid=tile][data-index="0"] [data-testid=tile-check]');
    await page.click('[data-testid=tile][data-index="4"] [data-testid=tile-check]', { modifiers: ['Shift'] });
    await page.click('[data-testid=tile][data-index="7"]', { modifiers: ['Control'] });
    await page.click('[data-testid=tile][data-index="2"]', { modifiers: ['Control'] });
    await expect(page.locator('[data-testid=selection-count]').textContent()).resolves.toContain('5');
    await page.click('[data-testid=export]');
    await page.fill('[data-testid=export-dir]', `${pathToFileURL(dir).href}/`);
    await page.selectOption('[data-testid=export-format]', 'manifest');
    await page.click('[data-testid=export-start]');
    await page.locator('[data-testid=export-output]').waitFor({ timeout: 60_000 });
    await shoot(page, 'data-export-en-light');
    const lines = (await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const exported = lines.map((l) => (JSON.parse(l) as Meta).DatasetFileMetaId).sort();
    expect(exported).toEqual([0, 1, 3, 4, 7].map((i) => all[i]!.DatasetFileMetaId).sort());
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });

  it('Back restores the grid’s scroll position', async () => {
    await open(files);
    await page.locator('.dv-scroll').hover();
    for (let k = 0; k < 6; k++) await page.mouse.wheel(0, 400);
    await page.waitForTimeout(800); // the anchor is saved once scrolling has rested
    const before = await firstVisible(page, 'tile');
    expect(before).toBeGreaterThan(5);
    await page.click('.topbar nav a[href="/jobs"]');
    await page.waitForURL(/\/jobs$/);
    await page.goBack();
    await page.locator('[data-testid=tile]').first().waitFor();
    await page.waitForTimeout(300);
    expect(await firstVisible(page, 'tile')).toBe(before);
    expect(pageRecords(page).errors).toEqual([]);
  });
});
