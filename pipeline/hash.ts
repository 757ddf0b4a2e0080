/**
 * Deterministic hashing helpers: content keys for caches and reproducible pseudo-random draws
 * (the simulated model client's choices depend only on its inputs, never on Math.random).
 */
import { createHash } from 'node:crypto';

/** sha256 hex of the parts joined by NUL (NUL cannot occur in our keys' parts by accident). */
export function contentHash(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex');
}

/** A deterministic draw in [0, 1) from the parts. */
export function unitHash(...parts: (string | number)[]): number {
  const digest = createHash('sha256').update(parts.map(String).join('\u0000')).digest();
  // 48 bits fit a double exactly.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** 32-bit FNV-1a, for hashing n-grams into embedding buckets (fast, no allocation). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
