// The DSL box: the whole query as query-language text, edited directly (the sidebar writes the same
// text). Enter or the search button runs it (a new history entry); Shift+Enter breaks the line; typing
// does not navigate. A syntax error is underlined from its offset to the end of that token: the API's
// answer for the running query is the authority, and while typing the bundled parser (the same one the
// server runs) points at the same place before anything is sent. The underline is a mirror of the text
// behind a transparent textarea, built from text nodes (never HTML).
import { useComputed, useSignal, useSignalEffect } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { Lexer } from '../../../lib/dsl/lexer.js';
import { draft, runningQ, submit } from './draft.js';
import { readForm } from './form.js';
import { t } from './messages.js';
import { queryError } from './state.js';
import './search.css';

interface QueryProblem {
  offset: number;
  message: string;
  /** 'api': the server's answer for the running query; 'client': the bundled parser, on the draft. */
  source: 'api' | 'client';
}

/** Where the token starting at (or after whitespace from) `offset` ends: the underline's end. */
function tokenEnd(src: string, offset: number): number {
  try {
    const lexer = new Lexer(src);
    lexer.skipTo(offset);
    const token = lexer.next();
    if (token.kind !== 'eof') return lexer.pos().offset;
  } catch {
    // the token itself does not scan (an unclosed string): up to the next space
  }
  const m = /^\S*/.exec(src.slice(offset));
  return Math.max(offset + (m?.[0].length ?? 0), Math.min(offset + 1, src.length));
}

export function QueryBar(_: { datasetId: string }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const mirror = useRef<HTMLDivElement>(null);
  // the bundled parser's verdict on the draft, settled 300 ms after the last keystroke
  const settled = useSignal(draft.peek());
  useSignalEffect(() => {
    const text = draft.value;
    const timer = setTimeout(() => (settled.value = text), text === runningQ.peek() ? 0 : 300);
    return () => clearTimeout(timer);
  });
  const problem = useComputed<QueryProblem | null>(() => {
    const text = settled.value;
    const api = queryError.value;
    if (api && text === runningQ.value && (api.offset !== undefined || api.field === 'QueryExpression')) {
      return { offset: Math.min(api.offset ?? text.length, text.length), message: api.message, source: 'api' };
    }
    if (text !== draft.value) return null;
    const r = readForm(text);
    return r.ok ? null : { offset: r.offset, message: r.message, source: 'client' };
  });
  const text = draft.value;
  const p = problem.value;
  const end = p ? tokenEnd(text, p.offset) : 0;

  const syncScroll = () => {
    if (area.current && mirror.current) mirror.current.scrollTop = area.current.scrollTop;
  };

  return (
    <form
      class="query-bar"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div class={`dsl-box${p ? ' has-error' : ''}`}>
        <div class="dsl-mirror" ref={mirror} aria-hidden="true">
          {p ? (
            <>
              {text.slice(0, p.offset)}
              <span class="dsl-bad" data-testid="dsl-error-mark" data-offset={p.offset} data-end={end} data-source={p.source}>
                {end > p.offset ? text.slice(p.offset, end) : ' '}
              </span>
              {text.slice(end)}
            </>
          ) : (
            text
          )}
          {'\n'}
        </div>
        <textarea
          ref={area}
          data-testid="dsl"
          rows={1}
          spellcheck={false}
          autocomplete="off"
          aria-label={t('dslLabel')}
          aria-invalid={p ? 'true' : undefined}
          aria-describedby={p ? 'dsl-error' : undefined}
          placeholder={t('dslPlaceholder')}
          value={text}
          onInput={(e) => (draft.value = e.currentTarget.value)}
          onScroll={syncScroll}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
      </div>
      <button type="submit" class="primary" data-testid="search">
        {t('search')}
      </button>
      {p && (
        <p id="dsl-error" class="dsl-error error" data-testid="dsl-error" role="alert" data-offset={p.offset} data-source={p.source}>
          {p.message}
        </p>
      )}
    </form>
  );
}
