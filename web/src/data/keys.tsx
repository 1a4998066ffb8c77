// The grid's keyboard: arrows move a focus ring (Shift extends the selection from the anchor), Space
// toggles, Enter opens, Esc clears, Ctrl/⌘+A selects every result, `/` goes to the search text, `?`
// shows the sheet below. Keys typed into a field, a button or a dialog are theirs, not the grid's.
import type { Signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { Dialog } from '../ui/dialog.js';
import type { GridHandle } from './grid.js';
import { t } from './messages.js';
import type { Selection } from './selection.js';

interface Keys {
  sel: Selection;
  focus: Signal<number>;
  grid: { current?: GridHandle };
  total: number;
  idAt: (i: number) => string | undefined;
  open: (i: number) => void;
  help: Signal<boolean>;
  /** False while the lightbox or a dialog has the keyboard. */
  active: boolean;
}

const ARROWS = ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'] as const;

export function useGridKeys(k: Keys): void {
  const ref = useRef(k);
  ref.current = k;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { sel, focus, grid, total, idAt, open, help, active } = ref.current;
      const el = e.target instanceof Element ? e.target : null;
      if (!active || e.altKey || el?.closest('input, textarea, select, button, a[href], [contenteditable], .dialog')) return;
      const f = focus.peek();
      const mod = e.ctrlKey || e.metaKey;
      if ((ARROWS as readonly string[]).includes(e.key) && !mod) {
        if (!total || !grid.current) return;
        const j = f < 0 ? 0 : grid.current.neighbour(f, e.key as (typeof ARROWS)[number]);
        if (e.shiftKey) {
          if (sel.anchor === undefined) sel.anchor = Math.max(0, f);
          sel.extend(j);
        }
        focus.value = j;
        grid.current.reveal(j);
      } else if (e.key === ' ' && !mod) {
        const id = f >= 0 ? idAt(f) : undefined;
        if (id) sel.toggle(f, id);
      } else if (e.key === 'Enter' && f >= 0 && !mod) open(f);
      else if (e.key === 'Escape') {
        if (help.peek()) help.value = false;
        else sel.clear();
      } else if (e.key === '?') help.value = !help.peek();
      else if (e.key === '/' && !mod) document.querySelector<HTMLElement>('[data-testid="query-text"]')?.focus();
      else if (e.key.toLowerCase() === 'a' && mod && total) sel.selectAll();
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);
}

const SHEET: Array<[string, 'kArrows' | 'kShift' | 'kSpace' | 'kEnter' | 'kEsc' | 'kAll' | 'kSlash' | 'kHelp']> = [
  ['← ↑ → ↓', 'kArrows'],
  ['Shift + ←↑→↓', 'kShift'],
  ['Space', 'kSpace'],
  ['Enter', 'kEnter'],
  ['Esc', 'kEsc'],
  ['Ctrl/⌘ + A', 'kAll'],
  ['/', 'kSlash'],
  ['?', 'kHelp'],
];

export function KeySheet({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title={t('keySheet')} onClose={onClose}>
      <table class="table" data-testid="key-sheet">
        <tbody>
          {SHEET.map(([key, what]) => (
            <tr key={key}>
              <td>
                <kbd>{key}</kbd>
              </td>
              <td>{t(what)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">{t('kClick')}</p>
      <div class="actions">
        <button type="button" onClick={onClose}>
          {t('close')}
        </button>
      </div>
    </Dialog>
  );
}
