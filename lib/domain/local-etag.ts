// The fingerprint (ETag) of a file in a local folder: a weak tag of size and modification time, no
// content hash, so listing stays cheap. The local-folder object store makes it; the SDK checks it.

/** `W/"<size hex>-<mtime ns hex>"` from a `stat(…, { bigint: true })`. */
export function localFileEtag(st: { size: bigint; mtimeNs: bigint }): string {
  return `W/"${st.size.toString(16)}-${st.mtimeNs.toString(16)}"`;
}
