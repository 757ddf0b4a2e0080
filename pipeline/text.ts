/** Text normalisation shared by the classifier and the embedder. */
import type { DesignNode } from './types';

/** Lowercase words of a text, with a naive plural strip so "tabs" and "tab" meet. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length === 0) continue;
    out.push(stem(raw));
  }
  return out;
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('es') && /(ch|sh|x|ss)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** The text of a design tree's layer names (what a designer called the layers). */
export function layerNames(node: DesignNode): string[] {
  const out: string[] = [node.name];
  for (const child of node.children ?? []) out.push(...layerNames(child));
  return out;
}
