// A modal dialog: a titled panel over a backdrop; Escape or a click on the backdrop closes it. Focus
// moves into it when it opens. Used by the pages' create/edit forms and confirmations.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';

export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === 'Escape' && close.current();
    addEventListener('keydown', key);
    box.current?.querySelector<HTMLElement>('input, select, textarea, button')?.focus();
    return () => removeEventListener('keydown', key);
  }, []);
  return (
    <div class="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class={`dialog${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} ref={box}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/**
 * "Are you sure?" before something that cannot be undone; `run` does it, and a refusal (the server's
 * sentence) stays in the dialog instead of closing it.
 */
export function Confirm({ title, text, yes, no, run, onClose }: { title: string; text: string; yes: string; no: string; run: () => Promise<void>; onClose: () => void }) {
  const error = useSignal('');
  const busy = useSignal(false);
  const go = async () => {
    busy.value = true;
    try {
      await run();
      onClose();
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      busy.value = false;
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{text}</p>
      {error.value && (
        <p class="error" role="alert" data-testid="confirm-error">
          {error.value}
        </p>
      )}
      <div class="actions">
        <button type="button" onClick={onClose}>
          {no}
        </button>
        <button type="button" class="danger" disabled={busy.value} onClick={go} data-testid="confirm-yes">
          {yes}
        </button>
      </div>
    </Dialog>
  );
}
