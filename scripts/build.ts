// `npm run build`: one esbuild bundle per function under dist/<name>/index.js (ESM, Node 20).
import { build } from 'esbuild';
import { readdirSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const functionsDir = path.join(root, 'functions');
/** Native or heavy packages stay outside the bundle and ship in node_modules. */
const external = ['better-sqlite3', 'sharp', 'usearch'];

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
