// Cron expressions of the local schedule: parse errors that say what is wrong, matching (steps, lists,
// names, the day-of-month/day-of-week OR rule), nextAfter across month and year ends, time zones, and
// nextAfter checked against a brute-force minute scan.
import { describe, expect, it } from 'vitest';
import { CronError, parseCron } from '../../lib/runtime/cron.js';

const at = (iso: string) => new Date(iso);
const next = (expr: string, after: string) => parseCron(expr).nextAfter(at(after)).toISOString();
/** The next `n` fire times after `after`. */
const series = (expr: string, after: string, n: number) => {
  const s = parseCron(expr);
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) out.push((t = s.nextAfter(t)).toISOString());
  return out;
};

describe('parseCron errors', () => {
  it.each([
    ['* * * *', /expected 5 fields .*got 4/],
    ['0 0 3 * * *', /got 6.*FC's 6-field form starts with seconds/],
    ['61 * * * *', /^minute field '61': 61 is out of range 0–59$/],
    ['* 24 * * *', /hour field '24': 24 is out of range 0–23/],
    ['* * 0 * *', /day-of-month field '0': 0 is out of range 1–31/],
    ['* * * 13 *', /month field '13'/],
    ['* * * * 8', /day-of-week field '8': 8 is out of range 0–7/],
    ['* * * FOO *', /month field 'FOO': 'FOO' is not a number or a name \(JAN–DEC\)/],
    ['* * * * MON-FOO', /day-of-week field 'MON-FOO': 'FOO' is not a number or a name \(SUN–SAT\)/],
    ['5-2 * * * *', /minute field '5-2': range 5-2 goes backwards/],
    ['*/0 * * * *', /minute field '\*\/0': step '0' is not a positive whole number/],
    ['*/x * * * *', /step 'x'/],
    ['1,,2 * * * *', /minute field '1,,2': empty list item/],
    ['1/2/3 * * * *', /more than one '\/'/],
    ['/5 * * * *', /nothing before '\/'/],
    ['1-2-3 * * * *', /is not a range/],
    ['? * * * *', /minute field '\?'/],
    ['0 0 30 2 *', /never matches/],
    ['0 0 31 4,6,9,11 *', /never matches/],
    ['CRON_TZ=Mars/Olympus 0 3 * * *', /unknown time zone 'Mars\/Olympus'/],
  ])('%s', (expr, message) => {
    expect(() => parseCron(expr)).toThrow(CronError);
    expect(() => parseCron(expr)).toThrow(message);
  });

  it('accepts what cron accepts', () => {
    for (const ok of ['* * * * *', '0 3 * * *', '*/15 0-6/2 1,15 JAN-mar mon-FRI', '0 0 29 2 *', '0 0 ? * 7', '@daily', '@HOURLY', '  0 3 * * *  ', 'CRON_TZ=Asia/Shanghai 0 3 * * *', 'TZ=UTC 0 3 * * *']) {
      expect(() => parseCron(ok), ok).not.toThrow();
    }
  });
});

describe('matching', () => {
  it('minute steps and ranges with steps', () => {
    const s = parseCron('*/15 1-5/2 * * *');
    const minutes = Array.from({ length: 60 }, (_, m) => m).filter((m) => s.matches(at(`2026-01-05T01:${String(m).padStart(2, '0')}:00Z`)));
    expect(minutes).toEqual([0, 15, 30, 45]);
    const hours = Array.from({ length: 24 }, (_, h) => h).filter((h) => s.matches(at(`2026-01-05T${String(h).padStart(2, '0')}:30:00Z`)));
    expect(hours).toEqual([1, 3, 5]);
    // `a/n` is `a-max/n`
    expect(series('5/20 0 * * *', '2026-01-05T00:00:00Z', 3)).toEqual(['2026-01-05T00:05:00.000Z', '2026-01-05T00:25:00.000Z', '2026-01-05T00:45:00.000Z']);
  });

  it('ignores seconds: a minute matches throughout', () => {
    const s = parseCron('30 3 * * *');
    expect(s.matches(at('2026-01-05T03:30:59.999Z'))).toBe(true);
    expect(s.matches(at('2026-01-05T03:31:00Z'))).toBe(false);
  });

  it('names and 7 for Sunday', () => {
    const sunday = at('2026-03-01T00:00:00Z'); // a Sunday
    for (const dow of ['0', '7', 'SUN', 'sun', '6,7', 'SAT,SUN', '5-7']) expect(parseCron(`0 0 * * ${dow}`).matches(sunday), dow).toBe(true);
    expect(parseCron('0 0 * MAR *').matches(sunday)).toBe(true);
    expect(parseCron('0 0 * FEB *').matches(sunday)).toBe(false);
  });

  it('day-of-month and day-of-week both restricted: either matches (POSIX)', () => {
    const s = parseCron('0 0 13 * FRI');
    expect(s.matches(at('2026-03-13T00:00:00Z'))).toBe(true); // Friday the 13th
    expect(s.matches(at('2026-03-06T00:00:00Z'))).toBe(true); // a Friday
    expect(s.matches(at('2026-04-13T00:00:00Z'))).toBe(true); // a Monday, the 13th
    expect(s.matches(at('2026-04-14T00:00:00Z'))).toBe(false);
    expect(series('0 0 1 * MON', '2026-05-31T00:00:00Z', 4)).toEqual([
      '2026-06-01T00:00:00.000Z', // the 1st (and a Monday)
      '2026-06-08T00:00:00.000Z',
      '2026-06-15T00:00:00.000Z',
      '2026-06-22T00:00:00.000Z',
    ]);
  });

  it('one of them starting with * (even */2): both must match, as in cronie', () => {
    expect(series('0 0 * * MON', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-05T00:00:00.000Z', '2026-01-12T00:00:00.000Z']);
    // odd days that are Mondays
    expect(series('0 0 */2 * MON', '2026-01-01T00:00:00Z', 3)).toEqual(['2026-01-05T00:00:00.000Z', '2026-01-19T00:00:00.000Z', '2026-02-09T00:00:00.000Z']);
    expect(series('0 0 13 * ?', '2026-01-01T00:00:00Z', 2)).toEqual(['2026-01-13T00:00:00.000Z', '2026-02-13T00:00:00.000Z']);
  });
});

describe('nextAfter', () => {
  it('is strictly after the given minute', () => {
    expect(next('30 3 * * *', '2026-01-05T03:30:00Z')).toBe('2026-01-06T03:30:00.000Z');
    expect(next('30 3 * * *', '2026-01-05T03:29:59.999Z')).toBe('2026-01-05T03:30:00.000Z');
    expect(next('* * * * *', '2026-01-05T03:30:45Z')).toBe('2026-01-05T03:31:00.000Z');
  });

  it('crosses hour, day, month and year ends', () => {
    expect(next('0 * * * *', '2026-12-31T23:59:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('15 0 1 * *', '2026-01-31T12:00:00Z')).toBe('2026-02-01T00:15:00.000Z');
    expect(next('0 12 31 * *', '2026-04-01T00:00:00Z')).toBe('2026-05-31T12:00:00.000Z'); // April has no 31st
    expect(next('0 0 1 1 *', '2026-01-01T00:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('59 23 31 12 *', '2026-06-01T00:00:00Z')).toBe('2026-12-31T23:59:00.000Z');
    expect(series('0 0 29 2 *', '2026-01-01T00:00:00Z', 3)).toEqual(['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z']);
    expect(next('0 0 29 2 *', '2096-03-01T00:00:00Z')).toBe('2104-02-29T00:00:00.000Z'); // 2100 is not a leap year
    expect(series('@monthly', '2026-11-15T00:00:00Z', 3)).toEqual(['2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
  });

  it('reads the fields in the CRON_TZ zone', () => {
    // 03:00 in Shanghai (UTC+8, no DST) is 19:00 UTC the day before
    expect(series('CRON_TZ=Asia/Shanghai 0 3 * * *', '2026-11-26T12:00:00Z', 2)).toEqual(['2026-11-26T19:00:00.000Z', '2026-11-27T19:00:00.000Z']);
    // the 1st of a month in Shanghai begins at 16:00 UTC on the last day of the month before
    expect(next('CRON_TZ=Asia/Shanghai 0 0 1 * *', '2026-12-15T00:00:00Z')).toBe('2026-12-31T16:00:00.000Z');
    expect(parseCron('CRON_TZ=Asia/Kolkata 30 5 * * MON').matches(at('2026-01-05T00:00:00Z'))).toBe(true); // 05:30 IST on a Monday
  });

  it('follows the wall clock across daylight saving changes (New York)', () => {
    const ny = 'CRON_TZ=America/New_York';
    // EST (UTC-5) before 2026-03-08 02:00, EDT (UTC-4) after
    expect(series(`${ny} 0 3 * * *`, '2026-03-06T12:00:00Z', 3)).toEqual(['2026-03-07T08:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T07:00:00.000Z']);
    // 02:30 does not exist on 2026-03-08: no fire that day
    expect(series(`${ny} 30 2 * * *`, '2026-03-07T00:00:00Z', 2)).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    // 01:30 happens twice on 2026-11-01 (EDT, then EST)
    expect(series(`${ny} 30 1 * * *`, '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    // every minute keeps firing every real minute through both changes
    expect(series(`${ny} * * * * *`, '2026-03-08T06:58:00Z', 3)).toEqual(['2026-03-08T06:59:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:01:00.000Z']);
    expect(series(`${ny} * * * * *`, '2026-11-01T05:58:00Z', 3)).toEqual(['2026-11-01T05:59:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:01:00.000Z']);
    // the first midnight of a month, across the change
    expect(next(`${ny} 0 0 1 * *`, '2026-10-15T00:00:00Z')).toBe('2026-11-01T04:00:00.000Z');
    expect(next(`${ny} 0 0 1 * *`, '2026-11-01T05:00:00Z')).toBe('2026-12-01T05:00:00.000Z');
  });

  it('agrees with a minute-by-minute scan', () => {
    const exprs = ['*/7 */5 * * *', '0 0 1,15 * MON', '30 2 */3 * *', '0 12 * JAN,JUL SAT,SUN', 'CRON_TZ=America/New_York 15 0-3 * * *', 'CRON_TZ=Australia/Lord_Howe 45 1-3 * * *'];
    for (const expr of exprs) {
      const s = parseCron(expr);
      for (const start of ['2026-03-01T00:00:00Z', '2026-10-03T13:37:00Z']) {
        let t = Date.parse(start);
        for (let i = 0; i < 20; i++) {
          const got = s.nextAfter(new Date(t)).getTime();
          let want = t + 60_000;
          while (!s.matches(new Date(want))) want += 60_000;
          expect(new Date(got).toISOString(), `${expr} after ${new Date(t).toISOString()}`).toBe(new Date(want).toISOString());
          t = got;
        }
      }
    }
  });
});
