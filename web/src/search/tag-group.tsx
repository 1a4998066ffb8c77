// One group of tag chips in the sidebar (any / all / exclude): each chip with its count and ×, an
// input with the version's tags as suggestions (a datalist: the browser's own list, with counts).
// Enter (or picking a suggestion) adds the typed tag; Enter on an empty input runs the search.
import { useSignal } from '@preact/signals';
import { num } from '../i18n.js';
import { t } from './messages.js';

export interface TagGroupProps {
  /** any | all | exclude: the chips' data-testid is tags-<group>, the input's tag-input-<group>. */
  group: 'any' | 'all' | 'exclude';
  label: string;
  help: string;
  tags: string[];
  /** A chip's count, and what it counts (the chip's title). */
  count: (tag: string) => number | undefined;
  countTitle: string;
  /** The datalist of suggestions (one per sidebar). */
  listId: string;
  disabled: boolean;
  onChange: (tags: string[]) => void;
  onRun: () => void;
}

export function TagGroup(p: TagGroupProps) {
  const text = useSignal('');
  const add = (raw: string) => {
    const tag = raw.trim();
    text.value = '';
    if (tag && !p.tags.includes(tag)) p.onChange([...p.tags, tag]);
  };
  return (
    <div class={`tag-group tag-group-${p.group}`}>
      <div class="tag-group-head">
        <span>{p.label}</span>
        <span class="muted small">{p.help}</span>
      </div>
      {p.tags.length > 0 && (
        <ul class="chips" data-testid={`tags-${p.group}`}>
          {p.tags.map((tag) => {
            const n = p.count(tag);
            return (
              <li key={tag} class="chip" data-tag={tag}>
                <span class="chip-text">{tag}</span>
                {n !== undefined && (
                  <span class="chip-count" title={p.countTitle}>
                    {num(n)}
                  </span>
                )}
                <button type="button" disabled={p.disabled} aria-label={t('removeTag', { tag })} title={t('removeTag', { tag })} onClick={() => p.onChange(p.tags.filter((x) => x !== tag))}>
                  ×
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <input
        type="text"
        list={p.listId}
        data-testid={`tag-input-${p.group}`}
        aria-label={p.label}
        placeholder={t('addTag')}
        disabled={p.disabled}
        value={text.value}
        onInput={(e) => {
          text.value = e.currentTarget.value;
          // a suggestion picked from the list arrives as one replacement: take it at once
          if ((e as InputEvent).inputType === 'insertReplacementText' || (e as InputEvent).inputType === undefined) add(text.value);
        }}
        onKeyDown={(e) => {
          if (e.key !== 'Enter' || e.isComposing) return;
          e.preventDefault();
          if (text.value.trim()) add(text.value);
          else p.onRun();
        }}
      />
    </div>
  );
}
