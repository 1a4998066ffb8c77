// The console's resource pages in Chromium against a real Loupe (test/browser/harness.ts): the datasets
// list is the API's, a dataset is registered and deleted through the page (a refusal while a job runs
// is shown), a running job is stopped from the jobs page, the estimate before a tagging or indexing job
// shows the coverage API's counts, and no connection secret ever reaches the page's DOM.
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOk, browserSkipReason, launchBrowser, pageRecords, shoot, signedInPage, startConsoleLoupe, type ConsoleLoupe } from './harness.js';

const MODEL_KEY = 'sk-browser-model-key-0123456789';
const NEW_SECRET = 'sk-typed-in-the-console-9f8e7d6c5b4a';

/** Goes to `route` inside the page (as a link does), keeping the signed-in page and its state. */
const inPage = (page: Page, route: string) => page.evaluate(`history.pushState(null, '', ${JSON.stringify(route)}); dispatchEvent(new PopStateEvent('popstate'))`);

describe.skipIf(!!browserSkipReason)(`console pages ${browserSkipReason}`, () => {
  let loupe: ConsoleLoupe;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    loupe = await startConsoleLoupe({ slowChat: true, slowChatMs: 2000 });
    browser = await launchBrowser();
    page = await signedInPage(browser, loupe);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await loupe?.stop();
  });

  const ok = (method: string, route: string, body?: unknown) => apiOk(loupe, method, route, body);
  const go = (route: string, on: Page = page) => inPage(on, route);

  it('lists the datasets the API lists', async () => {
    await go('/datasets');
    const api = (await ok('GET', '/api/v1/datasets?PageSize=100')).Datasets.map((d: { DatasetId: string }) => d.DatasetId).sort();
    await page.locator('[data-testid=dataset-row]').first().waitFor();
    const shown = (await page.locator('[data-testid=dataset-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')))).sort();
    expect(shown).toEqual(api);
    await expect(page.locator(`[data-testid=dataset-row][data-id="${loupe.datasetId}"]`).textContent()).resolves.toContain('coco');
    await shoot(page, 'pages-datasets-en-light');
  });

  let second = '';
  let slowJob = '';

  it('registers a dataset through the page', async () => {
    await page.click('[data-testid=dataset-create]');
    await page.fill('input[name=Name]', 'second look');
    await page.fill('input[name=Uri]', `${pathToFileURL(path.join(loupe.root, 'photos')).href}/`);
    await page.click('.dialog button[type=submit]');
    await page.waitForURL(/\/datasets\/[^/]+$/);
    second = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    const d = await ok('GET', `/api/v1/datasets/${second}`);
    expect(d.Name).toBe('second look');
    expect(d.LatestVersion.VersionName).toBe('v1');
    await page.locator('[data-testid=version-row][data-id=v1]').waitFor();
  });

  it('shows the server refusing to delete a dataset while its job runs, and stops the job from the jobs page', async () => {
    const build = await ok('POST', `/api/v1/datasets/${second}/datasetjobs`, { JobAction: 'FileMetaBuild' });
    await loupe.client.waitForJob(second, build.DatasetJobId, { intervalMs: 50, signal: AbortSignal.timeout(60_000) });
    slowJob = (
      await ok('POST', `/api/v1/datasets/${second}/datasetjobs`, {
        JobAction: 'IntelligentTag',
        JobMode: 'Full',
        JobSpec: { intelligentTagConnectionId: loupe.connections.slowChat, promptId: loupe.tagDefinitionId, concurrency: 1, batchSize: 1 },
      })
    ).DatasetJobId;

    await go('/datasets');
    await page.locator(`[data-testid=dataset-row][data-id="${second}"] [data-testid=dataset-delete]`).click();
    await page.click('[data-testid=confirm-yes]');
    const refusal = page.locator('[data-testid=confirm-error]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/job/i);
    await page.keyboard.press('Escape');
    expect((await loupe.api('GET', `/api/v1/datasets/${second}`)).status).toBe(200);

    await go('/jobs');
    const row = page.locator(`[data-testid=job-row][data-id="${slowJob}"]`);
    await row.locator('[data-testid=job-progress]').waitFor();
    await page.waitForSelector(`[data-testid=job-row][data-id="${slowJob}"][data-status=Running]`, { timeout: 30_000 });
    await shoot(page, 'pages-jobs-running-en-light');
    await row.locator('[data-testid=job-stop]').click();
    // Live: the row turns ManuallyStop without a reload.
    await page.waitForSelector(`[data-testid=job-row][data-id="${slowJob}"][data-status=ManuallyStop]`, { timeout: 30_000 });
    expect((await ok('GET', `/api/v1/datasets/${second}/datasetjobs/${slowJob}`)).Status).toBe('ManuallyStop');
    expect(await row.locator('[data-testid=job-stop]').count()).toBe(0);
  });

  it("shows a job's page with its spec and logs", async () => {
    await page.locator(`[data-testid=job-row][data-id="${slowJob}"] a.mono`).click();
    await page.waitForURL(new RegExp(`/jobs/${slowJob}`));
    await page.locator('[data-testid=job-logs]').waitFor();
    const spec = await page.locator('pre.spec').textContent();
    expect(JSON.parse(spec!)).toMatchObject({ intelligentTagConnectionId: loupe.connections.slowChat, promptId: loupe.tagDefinitionId, concurrency: 1 });
    await shoot(page, 'pages-job-en-light');
  });

  it('deletes the dataset once its job has ended', async () => {
    await go('/datasets');
    await page.locator(`[data-testid=dataset-row][data-id="${second}"] [data-testid=dataset-delete]`).click();
    await page.click('[data-testid=confirm-yes]');
    await page.locator(`[data-testid=dataset-row][data-id="${second}"]`).waitFor({ state: 'detached' });
    expect((await loupe.api('GET', `/api/v1/datasets/${second}`)).status).toBe(404);
  });

  it('estimates a tagging and an indexing job with the coverage API’s counts', async () => {
    const cov = async (q: string) => ok('GET', `/api/v1/datasets/${loupe.datasetId}/coverage?DatasetVersion=v1${q}`);
    const tags = (await cov(`&TagDefinitionId=${loupe.tagDefinitionId}&ModelName=qwen-vl-max`)).Tags;
    const vectors = (await cov('')).Vectors;
    expect(tags.Total).toBeGreaterThan(0);
    const number = (s: string | null) => Number((s ?? '').replace(/[^\d]/g, ''));

    await go(`/datasets/${loupe.datasetId}`);
    await page.click('[data-testid=start-IntelligentTag]');
    await page.selectOption('[data-testid=job-prompt]', loupe.tagDefinitionId);
    await page.selectOption('[data-testid=job-mode]', 'Full');
    const files = page.locator('[data-testid=estimate-files]');
    await expect.poll(async () => number(await files.textContent()), { timeout: 10_000 }).toBe(tags.Total);
    expect(number(await page.locator('[data-testid=estimate-calls]').textContent())).toBe(tags.Total);
    // The COCO photos are probed: their sizes give the tokens, and the harness's tagging job the rate.
    expect(number(await page.locator('[data-testid=estimate-tokens]').textContent())).toBeGreaterThan(tags.Total * 4);
    expect(await page.locator('[data-testid=estimate-time]').textContent()).toMatch(/^≈/);
    await shoot(page, 'pages-estimate-en-light');
    await page.selectOption('[data-testid=job-mode]', 'Increment');
    await expect.poll(async () => number(await files.textContent()), { timeout: 10_000 }).toBe(tags.Stale + tags.Failed + tags.Never);

    await page.selectOption('[data-testid=job-action]', 'SemanticIndex');
    await page.selectOption('[data-testid=job-mode]', 'Full');
    await expect.poll(async () => number(await files.textContent()), { timeout: 10_000 }).toBe(vectors.Total);
    await page.keyboard.press('Escape');
  });

  it('never puts a connection secret in the page', async () => {
    await go('/connections');
    await page.locator(`[data-testid=connection-row][data-id="${loupe.connections.chat}"]`).waitFor();
    expect(await page.content()).not.toContain(MODEL_KEY);

    await page.click('[data-testid=connection-create]');
    await page.selectOption('[data-testid=connection-type]', 'DashScopeConnection');
    await page.fill('[data-testid=connection-name]', 'typed here');
    await page.fill('[data-testid=secret-api_key]', NEW_SECRET);
    await page.click('[data-testid=connection-save]');
    const row = page.locator('[data-testid=connection-row]', { hasText: 'typed here' });
    await row.waitFor();
    expect(await row.textContent()).toContain('api_key: set');
    const id = await row.getAttribute('data-id');
    expect((await ok('GET', `/api/v1/connections/${id}`)).Secrets).toEqual({ api_key: '******' });

    await row.getByRole('button', { name: 'Edit' }).click();
    await page.locator('[data-testid=secret-state-api_key]').waitFor();
    expect(await page.locator('[data-testid=secret-state-api_key]').textContent()).toBe('set');
    expect(await page.locator('[data-testid=secret-api_key]').inputValue()).toBe('');
    const html = await page.content();
    expect(html).not.toContain(NEW_SECRET);
    expect(html).not.toContain(MODEL_KEY);
    await shoot(page, 'pages-connection-edit-en-light');
    await page.keyboard.press('Escape');
    expect(pageRecords(page).dialogs).toEqual([]);
  });

  it('validates a saved connection against its service', async () => {
    const row = page.locator(`[data-testid=connection-row][data-id="${loupe.connections.chat}"]`);
    await row.locator('[data-testid=connection-validate]').click();
    await expect.poll(() => row.locator('[data-testid=validate-result]').textContent(), { timeout: 15_000 }).toMatch(/^Works/);
  });

  it('creates a tag definition, edits it into version 2, and refuses an edit of a stale version', async () => {
    await go('/tag-definitions');
    await page.click('[data-testid=tagdef-create]');
    await page.fill('[data-testid=tagdef-name]', 'weather');
    await page.fill('[data-testid=tagdef-guide]', 'Say what the weather is.');
    await page.locator('[data-testid=tagdef-tag]').first().fill('sky');
    await page.click('[data-testid=tagdef-save]');
    const row = page.locator('[data-testid=tagdef-row]', { hasText: 'weather' });
    await row.waitFor();
    const id = (await row.getAttribute('data-id'))!;
    expect(await ok('GET', `/api/v1/tagdefinitions/${id}`)).toMatchObject({ Version: 1, GuidePrompt: 'Say what the weather is.', Tags: [{ Name: 'sky' }] });

    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('button', { name: 'Add a tag' }).click();
    await page.locator('[data-testid=tagdef-tag]').nth(1).fill('rain');
    await page.click('[data-testid=tagdef-save]');
    await expect.poll(async () => (await ok('GET', `/api/v1/tagdefinitions/${id}`)).Version).toBe(2);
    expect((await ok('GET', `/api/v1/tagdefinitions/${id}`)).Tags.map((x: { Name: string }) => x.Name)).toEqual(['sky', 'rain']);
    await expect.poll(() => row.textContent()).toContain('v2');

    await row.getByRole('button', { name: 'Edit' }).click();
    await ok('PUT', `/api/v1/tagdefinitions/${id}`, { GuidePrompt: 'changed elsewhere' });
    await page.click('[data-testid=tagdef-save]');
    await expect.poll(() => page.locator('.dialog .error').textContent()).toMatch(/version 3, not 2/);
    await page.keyboard.press('Escape');
  });

  it('renders the pages in 简体中文 and dark', async () => {
    const zh = await signedInPage(browser, loupe, { locale: 'zh-CN', colorScheme: 'dark', route: `/datasets/${loupe.datasetId}` });
    await zh.locator('[data-testid=coverage-tags] td').first().waitFor();
    expect(await zh.locator('h2').allTextContents()).toContain('版本');
    await shoot(zh, 'pages-dataset-zh-dark', true);
    for (const [route, name] of [
      ['/jobs', 'jobs'],
      ['/connections', 'connections'],
      ['/tag-definitions', 'tag-definitions'],
    ] as const) {
      await go(route, zh);
      await zh.locator('table.table tbody tr').first().waitFor();
      await shoot(zh, `pages-${name}-zh-dark`);
    }
    expect(pageRecords(zh).errors).toEqual([]);
    await zh.context().close();
  });
});
