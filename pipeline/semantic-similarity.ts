/**
 * Semantic visual similarity: whether the generated component has the same UI elements as the
 * design, whatever their pixels. Pixel similarity and SSIM compare renders; a recoloured button
 * scores low there and is still the same button, while a `<div>` drawn exactly like a button, or
 * a button whose label says something else, renders almost identically and means something
 * different. This measure compares what a screen reader or a user would name:
 *
 * 1. **Elements** of each tree: the controls and landmarks (a role) and the visible texts.
 *    Reference layers get their role from the designer's layer name ("Button", "Field", "Link 2",
 *    "Tab 1", "Select", "Check"...); generated elements from their ARIA role (explicit, or implied
 *    by the tag: `<button>`, `<a>`, `<input>`...). Texts are text nodes. Accessible name: the
 *    `aria-label`, else the text inside, whitespace collapsed and lower-cased.
 * 2. **Matching**, greedy by quality: a pair needs the same role (texts pair with texts; a switch
 *    pairs with a checkbox, a searchbox with a textbox). Its
 *    quality is the name similarity s (1 when equal, else the Jaccard index of their words; texts
 *    need s >= 0.5), for controls 0.5 + 0.5 s (a control with the wrong label is still half the
 *    control).
 * 3. **Score** = matched share x (0.5 + 0.5 x layout), where matched share = 2 x sum(quality) /
 *    (reference elements + generated elements) (an F1 over elements: missing and extra elements
 *    both count) and layout = the quality-weighted mean overlap of the matched pairs' boxes
 *    (intersection over the smaller box, absolute positions in the canvas). 1 means the same
 *    elements, named the same, in the same places; two trees without elements score 1.
 */
import type { DesignNode } from './types';

/** Layer-name words -> role, first match wins (the reference corpus's naming). */
const LAYER_ROLES: readonly [RegExp, string][] = [
  [/\btab ?list\b/, 'tablist'],
  [/\btab ?panel\b/, 'tabpanel'],
  [/\btab\b/, 'tab'],
  [/\b(button|btn|confirm|cancel|action|close|submit)\b/, 'button'],
  [/\b(field|input|text ?box|search)\b/, 'textbox'],
  [/\blink\b/, 'link'],
  [/\b(select|dropdown|combo ?box)\b/, 'combobox'],
  [/\bcheckbox\b/, 'checkbox'],
  [/\b(switch|toggle)\b/, 'switch'],
  [/\bradio\b/, 'radio'],
  [/\b(dialog|modal)\b/, 'dialog'],
  [/\balert\b/, 'alert'],
  [/\b(navigation|nav ?bar)\b/, 'navigation'],
];

/** Roles that count as elements (controls, landmarks, live regions). */
const ELEMENT_ROLES = new Set([
  'button', 'link', 'textbox', 'searchbox', 'checkbox', 'switch', 'radio', 'combobox', 'tab', 'tablist', 'tabpanel',
  'dialog', 'alertdialog', 'alert', 'navigation', 'menuitem', 'slider', 'status',
]);

/**
 * The role a design layer implies, or undefined: from its name, and for an option row from its
 * parts (a "Box" makes it a checkbox, a "Track" a switch).
 */
export function roleOfLayer(name: string, childNames: readonly string[] = []): string | undefined {
  const n = name.toLowerCase().replace(/[\d._-]+/g, ' ');
  // "Field label", "Confirm label": the text of a control, not the control; icons and marks are
  // parts of one ("Search icon", "Check", "Chevron").
  if (/\b(label|icon|check|chevron|indicator|thumb|divider|avatar|media)\b/.test(n)) return undefined;
  if (/\boption\b/.test(n)) {
    const parts = childNames.map((c) => c.toLowerCase());
    if (parts.includes('box')) return 'checkbox';
    if (parts.includes('track')) return 'switch';
  }
  for (const [re, role] of LAYER_ROLES) if (re.test(n)) return role;
  return undefined;
}

export interface UiElement {
  role: string;
  /** Accessible name, normalised (lower case, whitespace collapsed). */
  name: string;
  box: { x: number; y: number; width: number; height: number };
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

function textOf(node: DesignNode): string {
  const own = node.kind === 'text' ? (node.text ?? '') : '';
  return [own, ...(node.children ?? []).map(textOf)].filter((t) => t.length > 0).join(' ');
}

/**
 * The elements of a tree. `side` says where roles come from: 'reference' reads layer names,
 * 'generated' the roles code-parse recorded.
 */
export function uiElements(root: DesignNode | undefined, side: 'reference' | 'generated'): UiElement[] {
  const out: UiElement[] = [];
  const walk = (node: DesignNode, ox: number, oy: number, isRoot: boolean): void => {
    const x = ox + node.x;
    const y = oy + node.y;
    const box = { x, y, width: node.width, height: node.height };
    const role = side === 'reference' ? roleOfLayer(node.name, (node.children ?? []).map((c) => c.name)) : node.role;
    if (!isRoot && role !== undefined && ELEMENT_ROLES.has(role)) {
      out.push({ role, name: normalise(node.label ?? textOf(node)), box });
    }
    if (node.kind === 'text' && node.text !== undefined && normalise(node.text).length > 0) {
      out.push({ role: 'text', name: normalise(node.text), box });
    }
    for (const c of node.children ?? []) walk(c, x, y, false);
  };
  // The root is the canvas (reference) or the outermost element (generated): it is counted as an
  // element only when it has a role of its own on the generated side.
  if (root) walk({ ...root, x: 0, y: 0 }, 0, 0, side === 'reference');
  return out;
}

/** Roles that stand for each other: a switch is a checkbox in ARIA (it inherits from it). */
function sameRole(a: string, b: string): boolean {
  const canon = (r: string) => (r === 'switch' ? 'checkbox' : r === 'searchbox' ? 'textbox' : r);
  return canon(a) === canon(b);
}

function words(s: string): Set<string> {
  return new Set(s.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0));
}

/** 1 when equal, else the Jaccard index of the words. */
export function nameSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const wa = words(a);
  const wb = words(b);
  if (wa.size === 0 || wb.size === 0) return 0;
  let shared = 0;
  for (const w of wa) if (wb.has(w)) shared++;
  return shared / (wa.size + wb.size - shared);
}

/**
 * How much two boxes overlap: intersection over the smaller area (1 when one holds the other).
 * Not intersection over union: a text's box is its line in one tree and its whole control in the
 * other, which is the same place.
 */
function overlap(a: UiElement['box'], b: UiElement['box']): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const smaller = Math.min(a.width * a.height, b.width * b.height);
  return smaller > 0 ? (w * h) / smaller : a.x === b.x && a.y === b.y ? 1 : 0;
}

export interface SemanticSimilarity {
  /** 0..1, see the file header. */
  score: number;
  /** 2 x sum of pair quality / (reference + generated elements). */
  matchedShare: number;
  /** Quality-weighted mean overlap of the matched pairs' boxes (null when nothing matched). */
  layoutOverlap: number | null;
  referenceElements: number;
  generatedElements: number;
  matched: number;
  /** Reference elements with no counterpart, as "role: name". */
  missing: string[];
  /** Generated elements with no counterpart. */
  extra: string[];
}

export function semanticSimilarity(reference: DesignNode | undefined, generated: DesignNode | undefined): SemanticSimilarity {
  const ref = uiElements(reference, 'reference');
  const gen = uiElements(generated, 'generated');
  const candidates: { i: number; j: number; q: number }[] = [];
  ref.forEach((r, i) =>
    gen.forEach((g, j) => {
      if (!sameRole(r.role, g.role)) return;
      const s = nameSimilarity(r.name, g.name);
      if (r.role === 'text' && s < 0.5) return;
      candidates.push({ i, j, q: r.role === 'text' ? s : 0.5 + 0.5 * s });
    }),
  );
  // Best pairs first; ties by position so the result does not depend on sort stability.
  candidates.sort((a, b) => b.q - a.q || overlap((ref[b.i] as UiElement).box, (gen[b.j] as UiElement).box) - overlap((ref[a.i] as UiElement).box, (gen[a.j] as UiElement).box) || a.i - b.i || a.j - b.j);
  const usedRef = new Set<number>();
  const usedGen = new Set<number>();
  let quality = 0;
  let weightedIou = 0;
  for (const c of candidates) {
    if (usedRef.has(c.i) || usedGen.has(c.j)) continue;
    usedRef.add(c.i);
    usedGen.add(c.j);
    quality += c.q;
    weightedIou += c.q * overlap((ref[c.i] as UiElement).box, (gen[c.j] as UiElement).box);
  }
  const total = ref.length + gen.length;
  const matchedShare = total === 0 ? 1 : (2 * quality) / total;
  const layoutOverlap = quality > 0 ? weightedIou / quality : null;
  const score = total === 0 ? 1 : matchedShare * (0.5 + 0.5 * (layoutOverlap ?? 0));
  const label = (e: UiElement) => `${e.role}: ${e.name}`;
  return {
    score: Math.min(1, Math.max(0, score)),
    matchedShare,
    layoutOverlap,
    referenceElements: ref.length,
    generatedElements: gen.length,
    matched: usedRef.size,
    missing: ref.filter((_, i) => !usedRef.has(i)).map(label),
    extra: gen.filter((_, j) => !usedGen.has(j)).map(label),
  };
}
