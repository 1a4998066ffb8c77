// Short notices in a corner (a job started, an error): text only, dismissed after a while or by a click.
import { signal } from '@preact/signals';

interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}
const toasts = signal<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: Toast['kind'] = 'info', ms = 5000): void {
  const id = next++;
  toasts.value = [...toasts.value, { id, text, kind }];
  setTimeout(() => (toasts.value = toasts.value.filter((x) => x.id !== id)), ms);
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((x) => (
        <div key={x.id} class={`toast ${x.kind}`} onClick={() => (toasts.value = toasts.value.filter((y) => y.id !== x.id))}>
          {x.text}
        </div>
      ))}
    </div>
  );
}
