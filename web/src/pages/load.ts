// Loading what a page shows: useLoad runs an API read when its keys change, keeps the last answer and
// the error as a sentence, and can run again (after an edit); errText turns any failure into text.
import { useEffect } from 'preact/hooks';
import { useSignal, type Signal } from '@preact/signals';
import { ApiError } from '../api.js';

export const errText = (e: unknown) => (e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e));

export interface Loaded<T> {
  data: Signal<T | undefined>;
  error: Signal<string>;
  reload: () => Promise<void>;
}

export function useLoad<T>(read: (signal: AbortSignal) => Promise<T>, keys: unknown[]): Loaded<T> {
  const data = useSignal<T | undefined>(undefined);
  const error = useSignal('');
  const run = async (signal: AbortSignal) => {
    try {
      const v = await read(signal);
      if (signal.aborted) return;
      data.value = v;
      error.value = '';
    } catch (e) {
      if (!signal.aborted) error.value = errText(e);
    }
  };
  useEffect(() => {
    const abort = new AbortController();
    void run(abort.signal);
    return () => abort.abort();
  }, keys);
  return { data, error, reload: () => run(new AbortController().signal) };
}

/** Every page of a NextToken listing (at most `max` items): connections, tag definitions. */
export async function allByToken<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>, max = 1000): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await page(token);
    out.push(...p.items);
    token = p.next;
  } while (token && out.length < max);
  return out;
}
