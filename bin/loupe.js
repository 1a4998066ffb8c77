#!/usr/bin/env node
// `loupe`: the command line, run from the TypeScript sources through tsx (see cli/main.ts).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/main.ts');
await runCli();
