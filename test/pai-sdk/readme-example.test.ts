// The README's PAI example (the python block between <!-- pai-example --> and <!-- /pai-example -->)
// runs as written with PAI's Python SDK against Loupe on loopback, over a folder of PNGs, and prints
// what the README says it prints. Needs the SDK venv: LOUPE_PAI_SDK_PYTHON, else test/pai-sdk/.venv.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePngs } from '../support/local-loupe.js';
import { startTestLoupe, type StartedTestLoupe } from '../security/started-loupe.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const venvPython = path.join(here, '.venv', 'bin', 'python');
const python = process.env.LOUPE_PAI_SDK_PYTHON || (existsSync(venvPython) ? venvPython : undefined);
const TITLE = python
  ? "the README's PAI SDK example"
  : "the README's PAI SDK example (skipped: set LOUPE_PAI_SDK_PYTHON to a python with test/pai-sdk/requirements.txt installed, or create test/pai-sdk/.venv as .ci/run does)";
if (!python) console.warn(TITLE);

/** The example: the README's only python block between the markers. */
export async function readmeExample(): Promise<string> {
  const readme = await readFile(path.join(here, '..', '..', 'README.md'), 'utf8');
  const block = /<!-- pai-example -->\s*```python\n([\s\S]*?)```\s*<!-- \/pai-example -->/.exec(readme);
  if (!block) throw new Error('README.md has no ```python block between <!-- pai-example --> and <!-- /pai-example -->');
  return block[1]!;
}

describe.skipIf(!python)(TITLE, () => {
  let loupe: StartedTestLoupe;
  beforeAll(async () => {
    loupe = await startTestLoupe('loupe-readme-example-');
  });
  afterAll(async () => loupe?.stop());

  it('is at most 15 lines, and prints each file with its type, width and an absolute thumbnail URL', async () => {
    const code = await readmeExample();
    expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
    const folder = path.join(loupe.root, 'photos');
    await writePngs(folder, ['a.png', 'b.png', 'c.png']);
    const url = new URL(loupe.url);
    const { stdout } = await promisify(execFile)(python!, ['-c', code], {
      timeout: 120_000,
      env: { ...process.env, LOUPE_ENDPOINT: url.host, LOUPE_API_KEY: loupe.apiKey, PHOTOS_URI: `${pathToFileURL(folder).href}/` },
    });
    const lines = stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(3);
    for (const [i, name] of ['a.png', 'b.png', 'c.png'].entries()) expect(lines[i]).toMatch(new RegExp(`^${name.replace('.', '\\.')} image \\d+ http$`));
  });
});
