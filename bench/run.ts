// `npm run bench -- <name> [options]`: runs one benchmark (all when no name), writes JSON to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const BENCHES: Record<string, () => Promise<{ run: (args: string[]) => Promise<Record<string, unknown>> }>> = {
  metabuild: () => import('./metabuild.js'),
  adapters: () => import('./adapters.js'),
  'semantic-index': () => import('./semantic-index.js'),
  vector: () => import('./vector.js'),
  search: () => import('./search.js'),
  export: () => import('./export.js'),
  ui: () => import('./ui.js'),
};

const [name, ...args] = process.argv.slice(2);
const names = name ? [name] : Object.keys(BENCHES);
for (const n of names) {
  const load = BENCHES[n];
  if (!load) {
    process.stderr.write(`unknown benchmark '${n}' (have: ${Object.keys(BENCHES).join(', ')})\n`);
    process.exit(2);
  }
  const result = await (await load()).run(args);
  const dir = path.resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${n}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + `\nwritten to ${path.relative(process.cwd(), file)}\n`);
}
process.exit(0);
