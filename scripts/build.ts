// `npm run build`: one esbuild bundle per function under dist/<name>/index.js (ESM, Node 20), and the web
// console under dist/api/web (the api function serves it: functions/api/index.ts).
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildConsole } from '../lib/http/console-assets.js';

const root = path.resolve(import.meta.dirname, '..');
const functionsDir = path.join(root, 'functions');
/**
 * Native or heavy packages stay outside the bundle and ship in node_modules. esbuild is only named by
 * the console builder (lib/http/console-assets.ts), which the functions never call.
 */
const external = ['better-sqlite3', 'sharp', 'usearch', 'esbuild'];

const names = readdirSync(functionsDir).filter((n) => existsSync(path.join(functionsDir, n, 'index.ts')));
for (const name of names) {
  const outdir = path.join(root, 'dist', name);
  const result = await build({
    entryPoints: [path.join(functionsDir, name, 'index.ts')],
    outfile: path.join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    external,
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: { js: "import { createRequire as __loupeCreateRequire } from 'node:module'; const require = __loupeCreateRequire(import.meta.url);" },
  });
  writeFileSync(path.join(outdir, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  process.stdout.write(`dist/${name}/index.js  ${(bytes / 1024).toFixed(0)} KiB\n`);
}

const webDir = path.join(root, 'dist', 'api', 'web');
rmSync(webDir, { recursive: true, force: true });
const web = await buildConsole({ outDir: webDir });
process.stdout.write(`dist/api/web  ${[...web.files.keys()].join(' ')}  (JS ${(web.jsGzipBytes / 1024).toFixed(1)} KiB gzip)\n`);
