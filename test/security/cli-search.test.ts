// From issue 10's "Also": `loupe search --ids` with 500 ids failed with HTTP 431 (the GET's URL was
// over the server's header limit). A query too long for a URL now goes as the POST search, through a
// real server; its pages and NextToken work the same. Also: names are printed without their control
// characters, so a stored escape sequence cannot drive the terminal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/context.js';
import { printable } from '../../cli/format-table.js';
import { main } from '../../cli/main.js';
import { indexedDataset, startTestLoupe, type StartedTestLoupe } from './started-loupe.js';

describe('loupe search with a long query', () => {
  let loupe: StartedTestLoupe;
  let ds: string;
  let ids: string[];

  async function loupeRun(argv: string[]) {
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey },
      cwd: loupe.root,
      now: Date.now,
      isTTY: false,
    };
    return { code: await main(argv, io), out, err };
  }

  beforeAll(async () => {
    loupe = await startTestLoupe('loupe-sec-cli-search-');
    ds = await indexedDataset(loupe, 'pics', ['a.png', 'b.png', 'c.png', 'd.png']);
    ids = (await loupe.client.listDatasetFileMetas(ds, { SortBy: 'FileName', Order: 'ASC' })).DatasetFileMetas.map((m) => m.DatasetFileMetaId);
  }, 120_000);
  afterAll(() => loupe?.stop());

  it('--ids with 500 ids answers (POST search) instead of HTTP 431, and pages with --next-token', async () => {
    const fake = Array.from({ length: 496 }, (_, i) => ids[0]!.replace(/.{6}$/, i.toString(16).padStart(6, '0')));
    const many = [...fake.slice(0, 250), ids[2]!, ids[0]!, ...fake.slice(250), ids[3]!, ids[1]!];
    expect(many.join(',').length).toBeGreaterThan(16 * 1024);

    const all = await loupeRun(['search', ds, '--ids', many.join(','), '--sort', 'FileName', '--order', 'asc', '--json']);
    expect(all.err).toBe('');
    expect(all.code).toBe(0);
    expect(JSON.parse(all.out).DatasetFileMetas.map((m: any) => m.FileName)).toEqual(['a.png', 'b.png', 'c.png', 'd.png']);

    const first = await loupeRun(['search', ds, '--ids', many.join(','), '--sort', 'FileName', '--order', 'asc', '--max', '3', '--json']);
    const page = JSON.parse(first.out);
    expect(page.DatasetFileMetas).toHaveLength(3);
    const rest = await loupeRun(['search', ds, '--ids', many.join(','), '--sort', 'FileName', '--order', 'asc', '--next-token', page.NextToken, '--json']);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.out).DatasetFileMetas.map((m: any) => m.FileName)).toEqual(['d.png']);
  });

  it('table cells show control characters as U+FFFD, never raw', () => {
    expect(printable('red\u001b[31m car\u0000\u0085')).toBe('red\ufffd[31m car\ufffd\ufffd');
    expect(printable('line\r\nnext\ttab')).toBe('line next tab');
    expect(printable('x\ud800y 蓝 🚗')).toBe('x\ufffdy 蓝 🚗');
  });
});
