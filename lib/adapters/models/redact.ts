// Scrubs secrets (API keys, tokens) out of text that may end up in an error, a log line or a job log.

const MASK = '***';

/** Every occurrence of every secret (4+ characters) replaced by `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join(MASK);
  }
  return out;
}
