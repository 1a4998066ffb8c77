// usearch, loaded through its CommonJS build. Its ESM build finds its native addon by walking up from
// a stack-trace file name, which loops forever when the importer is an eval or a worker (seen here:
// `node -e "import('usearch')"` never returns); the CommonJS build uses __dirname.
import { createRequire } from 'node:module';

export type Usearch = typeof import('usearch');

export const usearch = createRequire(import.meta.url)('usearch') as Usearch;
