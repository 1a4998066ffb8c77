// Dark mode: follows the system (prefers-color-scheme) until the user picks one; the pick is remembered.
import { signal } from '@preact/signals';

export type Theme = 'system' | 'light' | 'dark';
const STORE = 'loupe.theme';
const saved = localStorage.getItem(STORE);
export const theme = signal<Theme>(saved === 'light' || saved === 'dark' ? saved : 'system');

const media = matchMedia('(prefers-color-scheme: dark)');
function apply(): void {
  const dark = theme.value === 'dark' || (theme.value === 'system' && media.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}
media.addEventListener('change', apply);
theme.subscribe(apply);

export function setTheme(t: Theme): void {
  theme.value = t;
  if (t === 'system') localStorage.removeItem(STORE);
  else localStorage.setItem(STORE, t);
}
