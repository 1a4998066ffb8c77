// Cron schedules for the local runtime: the classic 5 fields (minute hour day-of-month month
// day-of-week) with `*`, lists, ranges, steps and names, in UTC or in an IANA time zone given as FC
// and cronie do: a `CRON_TZ=Asia/Shanghai ` prefix. (FC's own 6-field form starts with seconds; the
// local schedule fires at most once a minute, so it has no seconds field.)
//
// Semantics follow Vixie cron / cronie:
// - day-of-month and day-of-week: when both are restricted, a day matches if EITHER does; when either
//   starts with `*` (`*`, `*/2`), both must match (so `*/2` there still counts as "unrestricted").
// - day-of-week 0 and 7 are Sunday; `?` is accepted as `*` in the two day fields (FC's syntax).
// - `a/n` means `a-max/n`; a range never wraps (`FRI-MON` is an error).
// - In a zone with daylight saving time the expression matches the zone's wall clock at each instant:
//   a time inside the skipped hour does not fire that day, one inside the repeated hour fires twice.

export class CronError extends Error {}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names for min, min+1, … (case-insensitive). */
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A coarse jump stops this far short of its target, more than any UTC offset change, so it never skips an instant. */
const ZONE_MARGIN = 3 * HOUR;
/** nextAfter looks this far ahead (every satisfiable expression matches well within it). */
const HORIZON = 40 * 366 * DAY;

interface Field {
  /** allowed[v]: value v matches. */
  allowed: boolean[];
  /** Written starting with `*` (or `?`): "unrestricted" for the day-of-month/day-of-week rule. */
  star: boolean;
}

interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday */
  weekday: number;
}

export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** IANA zone the fields are read in. */
  readonly timeZone: string;
  /** Whether the minute of `date` matches. */
  matches(date: Date): boolean;
  /** The first matching minute strictly after `date`'s minute. */
  nextAfter(date: Date): Date;
}

/** Parses a cron expression; a CronError says which field is wrong and why. */
export function parseCron(expression: string): CronSchedule {
  let rest = expression.trim();
  let timeZone = 'UTC';
  const tz = /^(?:CRON_TZ|TZ)=(\S*)\s*/.exec(rest);
  if (tz) {
    timeZone = tz[1]!;
    rest = rest.slice(tz[0].length);
  }
  const wall = wallClockIn(timeZone);
  rest = MACROS[rest.toLowerCase()] ?? rest;
  const parts = rest.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? " (FC's 6-field form starts with seconds; drop that field)" : '';
    throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length} in '${expression}'${hint}`);
  }
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i]!, i >= 2 && i !== 3)) as [Field, Field, Field, Field, Field];
  // 7 is Sunday too
  if (dow.allowed[7]) dow.allowed[0] = true;
  const schedule = new Schedule(expression, timeZone, wall, minute, hour, dom, month, dow);
  if (!schedule.matchesSomeDate()) throw new CronError(`'${expression}' never matches: no month has such a day`);
  return schedule;
}

function parseField(text: string, spec: FieldSpec, questionMark: boolean): Field {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  const fail = (why: string) => new CronError(`${spec.name} field '${text}': ${why}`);
  const value = (tok: string): number => {
    let v: number;
    if (/^\d+$/.test(tok)) v = Number(tok);
    else {
      const i = spec.names?.indexOf(tok.toUpperCase()) ?? -1;
      if (i < 0) throw fail(`'${tok}' is not a number${spec.names ? ` or a name (${spec.names[0]}–${spec.names.at(-1)})` : ''}`);
      v = spec.min + i;
    }
    if (v < spec.min || v > spec.max) throw fail(`${v} is out of range ${spec.min}–${spec.max}`);
    return v;
  };
  for (const item of text.split(',')) {
    if (!item) throw fail('empty list item');
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) throw fail(`'${item}' has more than one '/'`);
    let by = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1) throw fail(`step '${step}' is not a positive whole number`);
      by = Number(step);
    }
    if (!range) throw fail(`'${item}' has nothing before '/'`);
    let lo: number;
    let hi: number;
    if (range === '*' || (questionMark && range === '?')) {
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || !a || !b) throw fail(`'${range}' is not a range (a-b)`);
      lo = value(a);
      hi = value(b);
      if (lo > hi) throw fail(`range ${a}-${b} goes backwards`);
    } else {
      lo = value(range);
      hi = step !== undefined ? spec.max : lo;
    }
    for (let v = lo; v <= hi; v += by) allowed[v] = true;
  }
  return { allowed, star: text.startsWith('*') || (questionMark && text === '?') };
}

/** Reads the wall clock of an instant in a zone (UTC without Intl). */
function wallClockIn(timeZone: string): (t: number) => WallClock {
  if (timeZone === 'UTC') {
    return (t) => {
      const d = new Date(t);
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), weekday: d.getUTCDay() };
    };
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    throw new CronError(`unknown time zone '${timeZone}' (an IANA name such as Asia/Shanghai)`);
  }
  return (t) => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const weekday = new Date(Date.UTC(p.year!, p.month! - 1, p.day!)).getUTCDay();
    return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, weekday };
  };
}

class Schedule implements CronSchedule {
  constructor(
    readonly expression: string,
    readonly timeZone: string,
    private readonly wall: (t: number) => WallClock,
    private readonly minute: Field,
    private readonly hour: Field,
    private readonly dom: Field,
    private readonly month: Field,
    private readonly dow: Field,
  ) {}

  matches(date: Date): boolean {
    const f = this.wall(Math.floor(date.getTime() / MINUTE) * MINUTE);
    return this.month.allowed[f.month]! && this.dayMatches(f) && this.hour.allowed[f.hour]! && this.minute.allowed[f.minute]!;
  }

  nextAfter(date: Date): Date {
    const margin = this.timeZone === 'UTC' ? 0 : ZONE_MARGIN;
    let t = Math.floor(date.getTime() / MINUTE) * MINUTE + MINUTE;
    const limit = t + HORIZON;
    // Jumps ahead field by field. Within an hour an offset never changes (zones change on hour
    // boundaries), so minute and hour steps are exact; longer jumps stop `margin` short, then hours.
    const toward = (distance: number, f: WallClock) => (distance > margin ? distance - margin : (60 - f.minute) * MINUTE);
    while (t < limit) {
      const f = this.wall(t);
      const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute);
      if (!this.month.allowed[f.month]) {
        t += toward(Date.UTC(f.year, f.month, 1) - wall, f);
      } else if (!this.dayMatches(f)) {
        t += toward(Date.UTC(f.year, f.month - 1, f.day + 1) - wall, f);
      } else if (!this.hour.allowed[f.hour]) {
        t += (60 - f.minute) * MINUTE;
      } else if (!this.minute.allowed[f.minute]) {
        const m = this.minute.allowed.indexOf(true, f.minute);
        t += (m < 0 ? 60 - f.minute : m - f.minute) * MINUTE;
      } else {
        return new Date(t);
      }
    }
    throw new CronError(`'${this.expression}' has no match within 40 years of ${date.toISOString()}`);
  }

  private dayMatches(f: WallClock): boolean {
    const dom = this.dom.allowed[f.day]!;
    const dow = this.dow.allowed[f.weekday]!;
    return this.dom.star || this.dow.star ? dom && dow : dom || dow;
  }

  /** Some real date (a leap year included) has an allowed month and a matching day. */
  matchesSomeDate(): boolean {
    // 2000–2027 holds every (month, day, weekday) combination that occurs at all.
    for (let d = Date.UTC(2000, 0, 1); d < Date.UTC(2028, 0, 1); d += DAY) {
      const x = new Date(d);
      const f = { year: 0, month: x.getUTCMonth() + 1, day: x.getUTCDate(), hour: 0, minute: 0, weekday: x.getUTCDay() };
      if (this.month.allowed[f.month] && this.dayMatches(f)) return true;
    }
    return false;
  }
}
