// ISO 8601 instants as the query language accepts them, and their one canonical string form.
import type { Literal } from './ast.js';

// A date, or a date-time (seconds and fraction optional) with Z, ±hh:mm or no zone (= UTC).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?)?$/;

/** The earliest and latest instants a time literal may name: years 0000 to 9999, UTC. */
export const MIN_INSTANT = -62167219200000;
export const MAX_INSTANT = 253402300799999;

const daysIn = (y: number, m: number) => (m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/**
 * Epoch milliseconds of an ISO 8601 instant, or undefined when `s` is not one or falls outside years
 * 0000–9999 (UTC). Fractions beyond milliseconds are truncated.
 */
export function parseIsoInstant(s: string): number | undefined {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys), mo = Number(mos), d = Number(ds);
  const h = Number(hs ?? 0), mi = Number(mis ?? 0), sec = Number(ss ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMin = 0;
  if (zone && zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3)), om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, sec, ms);
  const instant = t.getTime() - offsetMin * 60_000;
  return instant < MIN_INSTANT || instant > MAX_INSTANT ? undefined : instant;
}

/** The instant of a time field's literal (the parser sets it; hand-built ASTs may not). */
export function instantOf(lit: Literal): number {
  const instant = lit.kind === 'string' ? (lit.instant ?? parseIsoInstant(lit.value)) : undefined;
  if (instant === undefined) throw new Error(`not an ISO 8601 instant: ${JSON.stringify(lit.value)}`);
  return instant;
}

/**
 * The form every stored time has (`Date.toISOString()`, years 0000–9999): fixed width, so string order
 * is instant order.
 */
export const canonicalIso = (instant: number): string => new Date(instant).toISOString();
