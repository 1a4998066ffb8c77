// The query being edited: one text (the DSL box shows it) and the sidebar's form, two views of it.
// The URL's q is the query that runs; the draft follows it whenever it changes (navigation, Back) and
// goes to the URL only on submit (Enter or the search button: one history entry per search).
// A form edit prints the whole query into the draft; typing in the DSL box re-reads the form from it.
import { computed, effect, signal } from '@preact/signals';
import { setParams } from '../route.js';
import { emptyForm, printForm, readForm, type SearchForm } from './form.js';
import { dataQuery, queryError } from './state.js';

/** The running query: the URL's q (a string, so effects on it run only when it changes). */
export const runningQ = computed(() => dataQuery.value.q);
const runningKey = computed(() => `${dataQuery.value.datasetId}\n${dataQuery.value.q}`);

/** The DSL box's text. */
export const draft = signal('');
/** The form as last read from (or printed into) the draft. */
export const form = signal<SearchForm>(emptyForm());
/** False while the draft does not parse: the form then shows its last good state, read-only. */
export const formCurrent = signal(true);

// What the form itself last printed: re-reading it would only lose what the form keeps apart but
// prints alike (a one-tag "any" group prints as a plain tag condition).
let printed: string | undefined;

effect(() => {
  void runningKey.value;
  draft.value = runningQ.value;
  queryError.value = null; // an error belonged to the query that ran before
});

effect(() => {
  const text = draft.value;
  if (text === printed) return;
  const r = readForm(text);
  formCurrent.value = r.ok;
  if (r.ok) form.value = r.form;
});

/** Changes some fields of the form and prints the query into the draft (nothing runs until submit). */
export function editForm(patch: Partial<SearchForm>): void {
  setForm({ ...form.value, ...patch });
}

/** Replaces the whole form (emptyForm() clears it) and prints it into the draft. */
export function setForm(next: SearchForm): void {
  form.value = next;
  formCurrent.value = true;
  printed = printForm(next);
  draft.value = printed;
}

/** Runs the draft: it becomes the URL's q (a new history entry), with any other parameters in `also`. */
export function submit(also: Record<string, string | null> = {}): void {
  setParams({ q: draft.value.trim() || null, ...also });
}

/** Changes the form and runs it at once (a click on a histogram bar, a removed condition chip). */
export function editAndSubmit(patch: Partial<SearchForm>): void {
  editForm(patch);
  submit();
}
