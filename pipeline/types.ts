/**
 * Plain data shapes of the reference pipeline: the labelled component specs of the corpus (a
 * small design tree plus text features), catalogue entries, and what each stage hands on.
 */

/** The component types the reference corpus is labelled with. */
export const COMPONENT_TYPES = [
  'button',
  'input',
  'card',
  'modal',
  'navbar',
  'table',
  'checkbox',
  'select',
  'tabs',
  'alert',
] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

/**
 * One node of a design: a frame (a box with optional fill, border and radius) or a text. Positions
 * are in pixels relative to the parent node, as design tools export them.
 */
export interface DesignNode {
  /** Layer name, as a designer would name it ("Button", "Label"). */
  name: string;
  kind: 'frame' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  /** #rrggbb */
  fill?: string;
  stroke?: string;
  strokeWidth?: number;
  radius?: number;
  /** Text content (text nodes only). */
  text?: string;
  /** Text colour, #rrggbb. */
  color?: string;
  fontSize?: number;
  fontWeight?: 'normal' | 'bold';
  align?: 'start' | 'center';
  /**
   * Trees recovered from generated code only: the element's ARIA role (its `role` attribute, or
   * the role its tag implies: button, link, textbox, checkbox, combobox, heading...) and its
   * `aria-label`. Not drawn; read by the semantic similarity (pipeline/semantic-similarity.ts).
   */
  role?: string;
  label?: string;
  children?: DesignNode[];
}

/** One labelled spec of the corpus. */
export interface ComponentSpec {
  id: string;
  /** The true component type (hand label). */
  label: ComponentType;
  name: string;
  description: string;
  /** Designer's tags. */
  tokens: string[];
  /** The root frame is the canvas the component is drawn on; its size is the image size. */
  design: DesignNode;
}

export interface Corpus {
  version: number;
  description?: string;
  components: ComponentSpec[];
}

/** A component of the bundled component-library catalogue. */
export interface CatalogEntry {
  id: string;
  type: ComponentType;
  name: string;
  description: string;
  keywords: string[];
  /** The HTML element the library renders for the component's root. */
  element: string;
  /** Attributes the library sets on that element (role, aria-*, type). */
  attributes: Record<string, string>;
}

export interface Catalog {
  library: string;
  version: string;
  description?: string;
  entries: CatalogEntry[];
}
