#!/usr/bin/env node
// `loupe`: the command line, run from the TypeScript sources through tsx (see cli/main.ts), in this
// very process: there is no child to pass signals to; `loupe serve` handles them itself, and stops
// when the `sh -c` that npm/npx put between them dies (cli/serve.ts).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
await runCli();
