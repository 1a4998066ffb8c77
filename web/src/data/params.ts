// Changing the data view's URL parameters with a history.state of our own (route.ts's setParams always
// writes a null state): the lightbox marks the entry it pushed so Esc can go Back to the grid's entry,
// and ←/→ replace the open item while keeping that mark.
import { navigate } from '../route.js';

function paramsHref(patch: Record<string, string | null | undefined>): string {
  const p = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || v === '') p.delete(k);
    else p.set(k, v);
  }
  const s = p.toString();
  return location.pathname + (s ? `?${s}` : '');
}

export function go(patch: Record<string, string | null | undefined>, opts: { replace?: boolean; state?: unknown } = {}): void {
  navigate(paramsHref(patch), opts);
}

/** The data view's part of history.state (other keys are kept). */
export interface DvState {
  /** This entry was pushed by opening the lightbox: closing it goes Back. */
  dvLightbox?: boolean;
  /** The grid's scroll anchor for this entry's query and view. */
  dvAnchor?: { i: number; off: number; id?: string };
}

export const dvState = (): DvState => (history.state && typeof history.state === 'object' ? (history.state as DvState) : {});
