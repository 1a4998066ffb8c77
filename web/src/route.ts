// The URL is the state: the page, the dataset, the version, the whole query (as query-language text),
// the view mode and the open item all live in location; back/forward replay them. Components read
// `route` and change it only through navigate()/setParams().
import { computed, signal } from '@preact/signals';

export interface Route {
  /** Path segments after the origin, decoded: `/datasets/d-1/files` → ['datasets', 'd-1', 'files']. */
  parts: string[];
  params: URLSearchParams;
}

function read(): Route {
  const parts = location.pathname.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return { parts, params: new URLSearchParams(location.search) };
}

export const route = signal<Route>(read());
addEventListener('popstate', () => (route.value = read()));

/** The page's first segment ('datasets' when at the root). */
export const page = computed(() => route.value.parts[0] ?? 'datasets');

/** Goes to `href` (a same-origin path with its query); `replace` for changes that should not add a Back step. */
export function navigate(href: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  if (href === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(opts.state ?? null, '', href);
  else history.pushState(opts.state ?? null, '', href);
  route.value = read();
}

/** Changes some query parameters of the current page; null or '' removes one. */
export function setParams(patch: Record<string, string | null | undefined>, opts: { replace?: boolean } = {}): void {
  const p = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  navigate(location.pathname + (s ? `?${s}` : ''), opts);
}

/** A path from segments, each encoded, plus optional query parameters. */
export function href(parts: string[], params?: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) p.set(k, v);
  const s = p.toString();
  return '/' + parts.map(encodeURIComponent).join('/') + (s ? `?${s}` : '');
}

/** onClick for an <a href>: a plain left click navigates in-page; modified clicks open as the browser does. */
export function linkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!a || a.origin !== location.origin) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
