// Scrubs secrets (API keys, tokens) out of text that may end up in an error, a log line or a job log:
// the one redaction step every model-facing message passes through (each adapter's entry point).
import { ModelError } from '../../ports/model-errors.js';

const MASK = '***';
/** A run of this many characters copied from a secret (or one of its encodings) is masked. */
const FRAGMENT = 8;
/** Secrets shorter than a fragment are masked only where they appear whole. */
const MIN_SECRET = 4;
/**
 * A fragment that reads as a word (`required`, `Default`, `EMPTY`) is not matched: placeholder keys
 * (`sk-no-key-required`, llama.cpp's) would otherwise mask those words in every message. A random
 * key's 8-character runs almost always hold a digit, a symbol or mixed case.
 */
const WORDLIKE = /^(?:[A-Za-z][a-z]*|[A-Z]+)$/;

/**
 * Masks every copy of a secret a model service or a model may echo back: as is, upper-cased or
 * lower-cased, URL-encoded, base64 or base64url (at any byte alignment, as when the key sits inside a
 * longer encoded text), and any truncated copy, i.e. any run of 8+ characters that is a substring of
 * one of these forms (unless it reads as a word). Cases are matched per form rather than case-blind, so that a key containing a
 * word (`sk-dashscope-…`) does not also mask our own `DashScope` in every message; over-masking a
 * coincidental 8-character match is otherwise the safe error.
 */
export class Redactor {
  /** 8-character substrings of every form of every secret, words left out. */
  private readonly fragments = new Set<string>();
  /** Whole forms of secrets too short to be matched by fragments. */
  private readonly shortSecrets: string[] = [];

  constructor(secrets: readonly (string | undefined)[]) {
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET) continue;
      for (const encoded of encodedForms(secret)) {
        for (const form of new Set([encoded, encoded.toLowerCase(), encoded.toUpperCase()])) {
          if (form.length < FRAGMENT) this.shortSecrets.push(form);
          for (let i = 0; i + FRAGMENT <= form.length; i++) {
            const fragment = form.slice(i, i + FRAGMENT);
            if (!WORDLIKE.test(fragment)) this.fragments.add(fragment);
          }
        }
      }
    }
    this.shortSecrets.sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.fragments.size === 0 && this.shortSecrets.length === 0;
  }

  text(text: string): string {
    if (this.empty || text.length < MIN_SECRET) return text;
    const masked = new Uint8Array(text.length);
    for (let i = 0; i + FRAGMENT <= text.length; i++) {
      if (this.fragments.has(text.slice(i, i + FRAGMENT))) masked.fill(1, i, i + FRAGMENT);
    }
    for (const short of this.shortSecrets) {
      for (let at = text.indexOf(short); at >= 0; at = text.indexOf(short, at + 1)) masked.fill(1, at, at + short.length);
    }
    let out = '';
    for (let i = 0; i < text.length; i++) {
      if (!masked[i]) out += text[i];
      else if (i === 0 || !masked[i - 1]) out += MASK;
    }
    return out;
  }

  /** A ModelError rebuilt with a scrubbed message (a fresh stack too: the old one quotes the message); anything else as is. */
  error(e: unknown): unknown {
    if (!(e instanceof ModelError) || this.empty) return e;
    const message = this.text(e.message);
    return message === e.message ? e : new ModelError(e.kind, message, { status: e.status, retryAfterMs: e.retryAfterMs });
  }

  /** Runs a model call; whatever ModelError leaves it is scrubbed. */
  async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this.error(e);
    }
  }
}

/** The secret, URL-encoded, and base64/base64url at each of the three byte alignments. */
function encodedForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  const bytes = Buffer.from(secret, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Only the characters that depend on the secret's bytes alone: skip the quantum mixed with the
    // padding bytes in front, and the last, partial one.
    const from = shift === 0 ? 0 : 4;
    const to = Math.floor((shift + bytes.length) / 3) * 4;
    const stable = shift === 0 ? encoded.replace(/=+$/, '') : encoded.slice(from, to);
    if (stable.length >= MIN_SECRET) {
      forms.add(stable);
      forms.add(stable.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}
