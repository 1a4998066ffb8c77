// The console's files as the API serves them: built in memory by esbuild from web/ (`npm start`, tests),
// or read from a prebuilt folder (`npm run build` writes dist/api/web for the api function in FC).
// esbuild is a devDependency and is loaded only when a build is asked for, so the deployed function,
// which only loads, never needs it.
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleFile {
  body: Buffer;
  contentType: string;
}

export interface ConsoleAssets {
  /** index.html with the hashed script and stylesheet filled in. */
  index: string;
  /** By URL path (`/assets/main-<hash>.js`): every file but index.html. */
  files: Map<string, ConsoleFile>;
  /** The gzip size of the JavaScript (the budget is 60 KB). */
  jsGzipBytes: number;
}

/** Where the console's sources live in a checkout. */
export const WEB_ROOT = fileURLToPath(new URL('../../web', import.meta.url));
/** What `npm run build` writes for the api function (it ships inside dist/api). */
export const PREBUILT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/api/web', import.meta.url));

const ASSETS = 'assets';
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Thrown when the console cannot be built here (no esbuild, no web sources): the API runs without it. */
export class ConsoleUnavailableError extends Error {}

let cached: Promise<ConsoleAssets> | undefined;

/**
 * Bundles web/src/main.tsx into one JS and one CSS file with content-hashed names and fills
 * web/index.html. Without `outDir` the result is cached for the process (tests and `npm start` build
 * once); with it, the files are also written there (index.html and assets/), for loadConsole.
 */
export function buildConsole(opts: { outDir?: string; webRoot?: string } = {}): Promise<ConsoleAssets> {
  if (opts.outDir || opts.webRoot) return buildUncached(opts.webRoot ?? WEB_ROOT, opts.outDir);
  if (!cached) {
    cached = buildUncached(WEB_ROOT);
    // A failed build is not kept: the next caller tries again (after the sources are fixed).
    cached.catch(() => (cached = undefined));
  }
  return cached;
}

async function buildUncached(webRoot: string, outDir?: string): Promise<ConsoleAssets> {
  const entry = path.join(webRoot, 'src', 'main.tsx');
  const template = path.join(webRoot, 'index.html');
  if (!existsSync(entry) || !existsSync(template)) throw new ConsoleUnavailableError(`the console's sources are not here (${webRoot})`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new ConsoleUnavailableError('esbuild is not installed (it is a devDependency: npm install, or serve a prebuilt console from npm run build)');
  }
  const out = path.join(webRoot, '.console-out');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    outdir: out,
    publicPath: `/${ASSETS}/`,
    sourcemap: false,
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const files = new Map<string, ConsoleFile>();
  for (const f of result.outputFiles) {
    const name = path.relative(out, f.path).split(path.sep).join('/');
    files.set(`/${ASSETS}/${name}`, { body: Buffer.from(f.contents), contentType: contentTypeOf(name) });
  }
  const assets = assemble((await readFile(template, 'utf8')), files);
  if (outDir) await writeConsole(outDir, assets);
  return assets;
}

/** The console `npm run build` wrote (`dir` holds index.html and assets/). */
export async function loadConsole(dir: string): Promise<ConsoleAssets> {
  const index = await readFile(path.join(dir, 'index.html'), 'utf8');
  const files = new Map<string, ConsoleFile>();
  for (const name of await readdir(path.join(dir, ASSETS))) {
    files.set(`/${ASSETS}/${name}`, { body: await readFile(path.join(dir, ASSETS, name)), contentType: contentTypeOf(name) });
  }
  return { index, files, jsGzipBytes: jsGzipBytes(files) };
}

/**
 * The console for `npm start`: a prebuilt one when it is newer than every web source, else built now
 * (≈50 ms); undefined when neither can be had (the API runs, `/` says the console is not built).
 */
export async function localConsole(onUnavailable: (reason: string) => void = () => {}): Promise<ConsoleAssets | undefined> {
  const prebuilt = existsSync(path.join(PREBUILT_CONSOLE_DIR, 'index.html'));
  if (prebuilt && (await mtimeOf(path.join(PREBUILT_CONSOLE_DIR, 'index.html'))) > (await newestSource(WEB_ROOT))) {
    return loadConsole(PREBUILT_CONSOLE_DIR);
  }
  try {
    return await buildConsole();
  } catch (e) {
    if (prebuilt) return loadConsole(PREBUILT_CONSOLE_DIR);
    onUnavailable(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

function assemble(template: string, files: Map<string, ConsoleFile>): ConsoleAssets {
  const js = [...files.keys()].filter((p) => p.endsWith('.js'));
  const css = [...files.keys()].filter((p) => p.endsWith('.css'));
  if (js.length !== 1 || css.length !== 1) {
    throw new Error(`the console bundle should be one .js and one .css file, not: ${[...files.keys()].join(', ')}`);
  }
  const index = template.replace('%JS%', js[0]!).replace('%CSS%', css[0]!);
  return { index, files, jsGzipBytes: jsGzipBytes(files) };
}

async function writeConsole(dir: string, assets: ConsoleAssets): Promise<void> {
  await mkdir(path.join(dir, ASSETS), { recursive: true });
  for (const [urlPath, f] of assets.files) await writeFile(path.join(dir, ...urlPath.split('/').filter(Boolean)), f.body);
  // Last: a folder with its index.html is complete (localConsole compares against this file's time).
  await writeFile(path.join(dir, 'index.html'), assets.index);
}

function jsGzipBytes(files: Map<string, ConsoleFile>): number {
  let n = 0;
  for (const [p, f] of files) if (p.endsWith('.js')) n += gzipSync(f.body, { level: 9 }).length;
  return n;
}

function contentTypeOf(name: string): string {
  return CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
}

async function mtimeOf(file: string): Promise<number> {
  return (await stat(file)).mtimeMs;
}

/** The latest modification among index.html and web/src/** (0 when there are none). */
async function newestSource(webRoot: string): Promise<number> {
  let newest = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else newest = Math.max(newest, await mtimeOf(p));
    }
  };
  await walk(path.join(webRoot, 'src'));
  if (existsSync(path.join(webRoot, 'index.html'))) newest = Math.max(newest, await mtimeOf(path.join(webRoot, 'index.html')));
  return newest;
}
