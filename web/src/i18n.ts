// English and 简体中文. Each area of the console declares its own strings with messages(en, zh): the
// Chinese table must have every English key (the type checker says which is missing). The choice is
// remembered in localStorage (a preference, never a secret); numbers and dates use Intl in the locale.
import { computed, signal } from '@preact/signals';

export type Locale = 'en' | 'zh-CN';
const STORE = 'loupe.locale';

function initial(): Locale {
  const saved = localStorage.getItem(STORE);
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const locale = signal<Locale>(initial());
export function setLocale(l: Locale): void {
  locale.value = l;
  localStorage.setItem(STORE, l);
  document.documentElement.lang = l;
}
document.documentElement.lang = locale.value;

type Params = Record<string, string | number>;

/**
 * A translation function over one area's strings: t('key', {n: 3}) fills `{n}` (numbers formatted in
 * the locale). Reading it inside a component subscribes that component to the locale.
 */
export function messages<T extends Record<string, string>>(en: T, zh: { [K in keyof T]: string }) {
  return (key: keyof T, params?: Params): string => {
    const table = locale.value === 'zh-CN' ? zh : en;
    let s = table[key] ?? en[key] ?? String(key);
    if (params) s = s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? fmtParam(params[name]!) : m));
    return s;
  };
}

const fmtParam = (v: string | number) => (typeof v === 'number' ? num(v) : v);

const numberFormat = computed(() => new Intl.NumberFormat(locale.value));
const dateFormat = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }));

/** A number in the user's locale (1,234,567 / 1,234,567). */
export const num = (n: number) => numberFormat.value.format(n);

/** A date-time (ISO string or epoch ms) in the user's locale; '' for none, the input itself if unparseable. */
export function dateTime(v: string | number | undefined | null): string {
  if (v === undefined || v === null || v === '') return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : dateFormat.value.format(d);
}

/** A byte count as B / KB / MB / GB (1024-based), in the locale's digits. */
const byteFormats = computed(() => [0, 1].map((d) => new Intl.NumberFormat(locale.value, { maximumFractionDigits: d })));
export function bytes(n: number | undefined | null): string {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${byteFormats.value[i === 0 ? 0 : 1]!.format(v)} ${units[i]}`;
}

/** A duration in seconds as "1 h 2 min", "3 min 4 s", "5 s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const zh = locale.value === 'zh-CN';
  if (h) return zh ? `${h} 小时 ${m} 分` : `${h} h ${m} min`;
  if (m) return zh ? `${m} 分 ${r} 秒` : `${m} min ${r} s`;
  return zh ? `${r} 秒` : `${r} s`;
}
