// `npm run invoke -- <function> <event.json>`: runs one function handler locally on a sample event,
// as FC would (the event as a Buffer), against the local data dir, and prints the result.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

const functions = readdirSync(path.resolve(import.meta.dirname, '..', 'functions'));
const [name, eventFile] = process.argv.slice(2);
if (!name || !eventFile || !functions.includes(name)) {
  process.stderr.write(`usage: npm run invoke -- <${functions.join('|')}> <event.json>\n`);
  process.exit(2);
}
const mod = (await import(path.resolve(import.meta.dirname, '..', 'functions', name, 'index.ts'))) as {
  handler: (event: Buffer, context: { requestId: string }) => Promise<unknown>;
};
const result = await mod.handler(readFileSync(eventFile), { requestId: randomUUID() });
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
process.exit(0);
