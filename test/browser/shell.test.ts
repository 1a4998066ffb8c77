// The console's shell in Debian's Chromium (issue 12 §13, §12): sign-in leaves only an HttpOnly,
// SameSite=Strict session cookie (the key in no URL, no storage, not readable by script); sign-out and a
// wrong key; the Content-Security-Policy refuses inline script; data that looks like markup (a file named
// `<img src=x onerror=alert(1)>.png`, the tag `<script>`) is text everywhere and fires no dialog;
// 简体中文 and dark mode, remembered; and a screenshot of every page in en/zh × light/dark in test/artifacts/.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  launchBrowser,
  newConsolePage,
  pageRecords,
  shoot,
  signedInPage,
  signIn,
  XSS_FILE_NAME,
  XSS_TAG,
  type ConsoleLoupe,
  startConsoleLoupe,
} from './harness.js';

const TITLE = `console shell in Chromium${browserSkipReason ? ` (skipped: ${browserSkipReason})` : ''}`;
if (browserSkipReason) console.warn(TITLE);

/** In the page: every place the page itself could keep a secret, as one string. */
const PAGE_STORAGE = 'JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])';

describe.skipIf(!!browserSkipReason)(TITLE, () => {
  let loupe: ConsoleLoupe;
  let browser: Browser;
  let xssId: string;
  let dogId: string;
  let tagJobId: string;

  beforeAll(async () => {
    [loupe, browser] = await Promise.all([startConsoleLoupe(), launchBrowser()]);
    const ids = async (q: string) => {
      const r = await loupe.api('GET', `/api/v1/datasets/${loupe.datasetId}/datasetfilemetas?DatasetVersion=v1&PageSize=10&PageNumber=1&QueryExpression=${encodeURIComponent(q)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return (r.body.DatasetFileMetas as Array<{ DatasetFileMetaId: string }>).map((m) => m.DatasetFileMetaId);
    };
    [xssId] = (await ids(`Tags.ai:"${XSS_TAG}"`)) as [string];
    [dogId] = (await ids('Content:"dog"')) as [string];
    const jobs = await loupe.api('GET', `/api/v1/datasets/${loupe.datasetId}/datasetjobs?MaxResults=20`);
    tagJobId = (jobs.body.DatasetJobs as Array<{ DatasetJobId: string; JobAction: string }>).find((j) => j.JobAction === 'IntelligentTag')!.DatasetJobId;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await loupe?.stop();
  });

  const close = (page: Page) => page.context().close();

  it('signs in with an HttpOnly SameSite=Strict cookie; the key is in no URL, no storage, not in document.cookie', async () => {
    const page = await newConsolePage(browser);
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await signIn(page, loupe);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toEqual(['loupe_session']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookies[0]!.value).not.toContain(loupe.apiKey);
    expect(urls.length).toBeGreaterThan(2);
    expect(urls.filter((u) => u.includes(loupe.apiKey) || u.includes(encodeURIComponent(loupe.apiKey)))).toEqual([]);
    const stored = (await page.evaluate(PAGE_STORAGE)) as string;
    expect(stored).not.toContain(loupe.apiKey);
    expect(stored).not.toContain('loupe_session');
    expect(stored).not.toContain(cookies[0]!.value);
    // signed in: the nav is there, and the API answers the page through the cookie alone
    await expect(page.getByRole('link', { name: 'Datasets' }).first().isVisible()).resolves.toBe(true);
    const who = await page.request.get(`${loupe.url}/api/v1/session`);
    expect(who.status()).toBe(200);
    expect(pageRecords(page)).toEqual({ dialogs: [], errors: [] });
    await close(page);
  });

  it('a wrong key shows the error, sets no cookie and keeps the form', async () => {
    const page = await newConsolePage(browser);
    await page.goto(`${loupe.url}/datasets`);
    const key = page.locator('input[type=password]');
    await key.fill('not-the-key-0123456789');
    await key.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())!.length).toBeGreaterThan(5);
    expect(await key.isVisible()).toBe(true);
    expect(await page.context().cookies()).toEqual([]);
    expect(pageRecords(page).dialogs).toEqual([]);
    await close(page);
  });

  it('signs out: the cookie is cleared, the API refuses the page, a reload asks for the key', async () => {
    const page = await signedInPage(browser, loupe);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('input[type=password]').waitFor();
    expect((await page.context().cookies()).filter((c) => c.name === 'loupe_session')).toEqual([]);
    expect((await page.request.get(`${loupe.url}/api/v1/session`)).status()).toBe(401);
    await page.reload();
    await page.locator('input[type=password]').waitFor();
    await close(page);
  });

  it('serves a Content-Security-Policy under which injected inline script and inline handlers do not run', async () => {
    const page = await signedInPage(browser, loupe);
    const res = await page.goto(`${loupe.url}/datasets`);
    const csp = res!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    await page.locator('nav').waitFor();
    const outcome = await page.evaluate(`new Promise((resolve) => {
      const violations = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      const d = document.createElement('div');
      d.innerHTML = '<img src="data:," onerror="window.__handlerRan = true" onload="window.__handlerRan = true">';
      document.body.appendChild(d);
      setTimeout(() => resolve({ inline: window.__inlineRan === true, handler: window.__handlerRan === true, violations }), 300);
    })`);
    expect(outcome).toMatchObject({ inline: false, handler: false });
    expect((outcome as { violations: string[] }).violations).toContain('script-src-elem');
    expect(pageRecords(page).dialogs).toEqual([]);
    await close(page);
  });

  it(`renders the file named ${XSS_FILE_NAME} and the tag ${XSS_TAG} as text in gallery, list, lightbox and sidebar; no dialog fires`, async () => {
    const page = await signedInPage(browser, loupe);
    const q = encodeURIComponent(`Tags.ai:"${XSS_TAG}"`);
    await page.goto(`${loupe.url}/datasets/${loupe.datasetId}/files?v=v1&q=${q}`);
    const tile = page.locator(`[data-testid="tile"][data-id="${xssId}"]`);
    await tile.waitFor();
    expect(await page.locator('[data-testid="tile"][data-id]').count()).toBe(1);
    expect(await tile.getAttribute('title')).toBe(XSS_FILE_NAME);
    expect(await tile.textContent()).toContain(XSS_FILE_NAME);
    // the sidebar's tag counts and the histogram name the tag as text
    const bar = page.locator(`[data-testid="hist-bar"][data-key="${XSS_TAG}"]`);
    await bar.waitFor();
    expect(await bar.innerText()).toContain(XSS_TAG);

    await page.getByTestId('view-list').click();
    const row = page.locator(`[data-testid="row"][data-id="${xssId}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain(XSS_FILE_NAME);
    expect(await row.innerText()).toContain(XSS_TAG);

    await page.getByTestId('view-grid').click();
    await tile.click();
    const lightbox = page.getByTestId('lightbox');
    await lightbox.waitFor();
    expect(await lightbox.getAttribute('aria-label')).toBe(XSS_FILE_NAME);
    expect(await lightbox.innerText()).toContain(XSS_FILE_NAME);
    expect(await page.getByTestId('tags-ai').innerText()).toContain(XSS_TAG);

    // nothing the data spelt became an element
    const made = await page.evaluate(`document.querySelectorAll('img[src="x"], script:not([src])').length`);
    expect(made).toBe(0);
    await page.waitForTimeout(300); // an onerror would have fired by now
    expect(pageRecords(page).dialogs).toEqual([]);
    expect(pageRecords(page).errors.filter((e) => e.startsWith('uncaught'))).toEqual([]);
    await close(page);
  });

  it('switches to 简体中文, and remembers it after a reload', async () => {
    const page = await signedInPage(browser, loupe);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await page.getByRole('link', { name: '数据集' }).first().waitFor();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await page.reload();
    await page.getByRole('link', { name: '任务' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'Jobs' }).count()).toBe(0);
    await close(page);
    // a browser whose language is Chinese starts in Chinese
    const zh = await signedInPage(browser, loupe, { locale: 'zh-CN' });
    await zh.getByRole('link', { name: '连接' }).first().waitFor();
    await close(zh);
  });

  it('follows the system colour scheme, and the toggle picks dark mode for good', async () => {
    const theme = (p: Page) => p.evaluate(`document.documentElement.dataset.theme`);
    const background = (p: Page) => p.evaluate(`getComputedStyle(document.body).backgroundColor`) as Promise<string>;
    const luminance = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number) as [number, number, number];
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    const dark = await signedInPage(browser, loupe, { colorScheme: 'dark' });
    expect(await theme(dark)).toBe('dark');
    expect(luminance(await background(dark))).toBeLessThan(0.25);
    await close(dark);

    const page = await signedInPage(browser, loupe, { colorScheme: 'light' });
    expect(await theme(page)).toBe('light');
    expect(luminance(await background(page))).toBeGreaterThan(0.75);
    for (let i = 0; i < 3 && (await theme(page)) !== 'dark'; i++) await page.getByTestId('theme').click();
    expect(await theme(page)).toBe('dark');
    expect(luminance(await background(page))).toBeLessThan(0.25);
    await page.reload();
    await page.locator('nav').waitFor();
    expect(await theme(page)).toBe('dark');
    await close(page);
  });

  it('shows every page in en and zh, light and dark (screenshots in test/artifacts/)', async () => {
    const ds = loupe.datasetId;
    const img = (sel: string) => async (p: Page) => {
      await p.locator(sel).first().waitFor();
      await p.waitForFunction((s) => {
        const el = (globalThis as { document?: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).document?.querySelector(s);
        return !!el && el.complete && el.naturalWidth > 0;
      }, sel);
    };
    const pages: Array<[string, string, (p: Page) => Promise<unknown>]> = [
      ['datasets', '/datasets', (p) => p.locator(`[data-testid="dataset-row"][data-id="${ds}"]`).waitFor()],
      ['dataset', `/datasets/${ds}`, (p) => p.getByTestId('browse').waitFor()],
      ['gallery', `/datasets/${ds}/files?v=v1`, img('[data-testid="tile"] img')],
      ['search', `/datasets/${ds}/files?v=v1&q=${encodeURIComponent('Content:"dog"')}`, img('[data-testid="tile"] img')],
      ['list', `/datasets/${ds}/files?v=v1&view=list`, (p) => p.locator('[data-testid="row"][data-id]').first().waitFor()],
      ['lightbox', `/datasets/${ds}/files?v=v1&item=${dogId}`, img('[data-testid="lightbox"] img')],
      ['jobs', `/jobs`, (p) => p.getByTestId('job-row').first().waitFor()],
      ['job', `/jobs/${tagJobId}?dataset=${ds}`, (p) => p.getByTestId('job-progress').first().waitFor()],
      ['connections', '/connections', (p) => p.getByTestId('connection-row').first().waitFor()],
      ['tag-definitions', '/tag-definitions', (p) => p.locator(`[data-testid="tagdef-row"][data-id="${loupe.tagDefinitionId}"]`).waitFor()],
    ];
    const written: string[] = [];
    for (const locale of ['en-US', 'zh-CN']) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await signedInPage(browser, loupe, { locale, colorScheme });
        for (const [name, route, ready] of pages) {
          await page.goto(loupe.url + route);
          await ready(page);
          await page.waitForLoadState('networkidle');
          written.push(await shoot(page, `${locale === 'en-US' ? 'en' : 'zh'}-${colorScheme}-${name}`));
        }
        expect(pageRecords(page).dialogs).toEqual([]);
        expect(pageRecords(page).errors.filter((e) => e.startsWith('uncaught'))).toEqual([]);
        await close(page);
      }
    }
    expect(written).toHaveLength(pages.length * 4);
  }, 240_000);
});
