// Response bodies are stored as text, truncated to a byte budget. Cutting bytes blindly could split a
// multi-byte character and store garbage, so the cut happens on a character boundary.

/** Decodes at most `maxBytes` of `bytes` as UTF-8, dropping a trailing partial character. */
export function utf8Prefix(bytes: Uint8Array, maxBytes: number): string {
  // `stream: true` holds back an incomplete final sequence instead of emitting U+FFFD for it.
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes), { stream: true });
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  // Invalid input bytes became U+FFFD (3 bytes each), so the text can outgrow the budget; it is valid
  // UTF-8 now, so a second cut on its own encoding lands within the budget.
  return new TextDecoder('utf-8').decode(Buffer.from(text, 'utf8').subarray(0, maxBytes), { stream: true });
}
