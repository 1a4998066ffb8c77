// Port: seals secrets at rest (connection API keys, tokens) and opens them for use.
export interface SecretBox {
  seal(plaintext: string): string;
  /** Throws when the sealed text was tampered with or sealed under another key. */
  open(sealed: string): string;
}
