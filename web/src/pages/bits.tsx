// Small pieces every resource page repeats: a table head, an error line, a labelled field and a
// dialog's buttons, a text control bound to a signal (one definition each keeps the bundle and the
// markup uniform).
import type { ComponentChildren } from 'preact';
import type { Signal } from '@preact/signals';

export const Head = ({ cols }: { cols: string[] }) => (
  <thead>
    <tr>
      {cols.map((c, i) => (
        <th key={i}>{c}</th>
      ))}
    </tr>
  </thead>
);

export const Err = ({ e, id }: { e: string; id?: string }) =>
  e ? (
    <p class="error" role="alert" data-testid={id}>
      {e}
    </p>
  ) : null;

export const Field = ({ label, children, help }: { label: ComponentChildren; children: ComponentChildren; help?: string }) => (
  <label>
    {label}
    {children}
    {help && <span class="muted small">{help}</span>}
  </label>
);

/** Cancel and the submit button of a dialog's form. */
export const Actions = ({ cancel, onCancel, submit, testid, children }: { cancel: string; onCancel: () => void; submit: string; testid?: string; children?: ComponentChildren }) => (
  <div class="actions">
    {children}
    <button type="button" onClick={onCancel}>
      {cancel}
    </button>
    <button type="submit" class="primary" data-testid={testid}>
      {submit}
    </button>
  </div>
);

/** value + onInput of a text control bound to a string signal. */
export const bind = (s: Signal<string>) => ({ value: s.value, onInput: (e: Event) => (s.value = (e.currentTarget as HTMLInputElement).value) });

/** A page's title row with its one primary action. */
export function PageHead(p: { title: string; action: string; onAction: () => void; testid: string }) {
  return (
    <div class="row head">
      <h1>{p.title}</h1>
      <span class="spacer" />
      <button type="button" class="primary" onClick={p.onAction} data-testid={p.testid}>
        {p.action}
      </button>
    </div>
  );
}
