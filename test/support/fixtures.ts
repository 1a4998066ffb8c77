// Where the shared fixtures are (../shared/fixtures), through LOUPE_FIXTURES. Never copied in.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const configured = process.env.LOUPE_FIXTURES;
const fallback = path.resolve(import.meta.dirname, '../../../shared/fixtures');

/** Absolute path of the fixtures folder, or undefined when it cannot be found. */
export const fixturesDir: string | undefined = configured
  ? path.resolve(configured)
  : existsSync(fallback)
    ? fallback
    : undefined;

export const fixturesMissing = !fixturesDir || !existsSync(path.join(fixturesDir, 'images', 'MANIFEST.tsv'));
export const FIXTURES_SKIP_MESSAGE = 'fixtures not found: set LOUPE_FIXTURES to the shared fixtures folder (CI: ../shared/fixtures)';

export interface ManifestRow {
  path: string;
  format: string;
  expectedDecodable: 'yes' | 'no' | 'partial' | 'lenient' | 'limit' | 'depends';
  width?: number;
  height?: number;
  frames?: number;
  exifOrientation?: number;
  notes: string;
  bytes: number;
}

export function readImageManifest(): ManifestRow[] {
  if (!fixturesDir) throw new Error(FIXTURES_SKIP_MESSAGE);
  const text = readFileSync(path.join(fixturesDir, 'images', 'MANIFEST.tsv'), 'utf8');
  const [header, ...lines] = text.trim().split('\n');
  const cols = header!.split('\t');
  const at = (row: string[], name: string) => row[cols.indexOf(name)] ?? '';
  const num = (s: string) => (s === '' ? undefined : Number(s));
  return lines.map((line) => {
    const row = line.split('\t');
    return {
      path: at(row, 'path'),
      format: at(row, 'format'),
      expectedDecodable: at(row, 'expected_decodable') as ManifestRow['expectedDecodable'],
      width: num(at(row, 'width')),
      height: num(at(row, 'height')),
      frames: num(at(row, 'frames')),
      exifOrientation: num(at(row, 'exif_orientation')),
      notes: at(row, 'notes'),
      bytes: Number(at(row, 'bytes')),
    };
  });
}
