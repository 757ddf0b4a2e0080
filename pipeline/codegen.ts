/**
 * The simulated model's code writer: turns a design tree and its target catalogue entry into a
 * TSX component, making the mistakes it is told to make (a dropped fill, a shifted box, a missing
 * aria-label, an unclosed tag...). Which mistakes happen is decided by the caller
 * (SimulatedModelClient) from hashes of its inputs, so output is deterministic.
 */
import type { GenerationPayload } from './prompt';
import type { DesignNode } from './types';

export const MISTAKE_KINDS = [
  'drop-fill',
  'drop-border',
  'drop-radius',
  'color-drift',
  'shift',
  'font-size',
  'drop-text',
  'drop-accessible-name',
  'inline-handler',
  'unclosed-tag',
] as const;
export type MistakeKind = (typeof MISTAKE_KINDS)[number];

export type Verbosity = 'terse' | 'normal' | 'verbose';

export interface WriterChoices {
  /** Whether the writer makes this mistake at this place (`where` is a layer path). */
  mistake(kind: MistakeKind, where: string): boolean;
  /** A deterministic magnitude in [0, 1) for a mistake at this place. */
  amount(kind: MistakeKind, where: string): number;
  verbosity: Verbosity;
  /** Written into the header comment, e.g. "genscope simulated model client (gpt-4o-mini profile)". */
  writerLabel: string;
}

const VOID_ELEMENTS = new Set(['input', 'img', 'br', 'hr']);

type StyleValue = string | number;

function literal(value: StyleValue): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function styleAttr(style: [string, StyleValue][]): string {
  return `style={{ ${style.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }}`;
}

function driftColor(hex: string, amount: number): string {
  // Moves every channel by 24..71 levels, the kind of "almost the brand colour" slip models make.
  const delta = 24 + Math.floor(amount * 48);
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const shifted = channels.map((c) => (c > 127 ? c - delta : c + delta));
  return `#${shifted.map((c) => Math.max(0, Math.min(255, c)).toString(16).padStart(2, '0')).join('')}`;
}

function texts(node: DesignNode, out: DesignNode[] = []): DesignNode[] {
  if (node.kind === 'text' && node.text !== undefined && node.text.trim().length > 0) out.push(node);
  for (const child of node.children ?? []) texts(child, out);
  return out;
}

/** The text a layer is named by: a label/title/value layer if there is one, else its longest text (never a lone glyph like ✓). */
function nameText(node: DesignNode): string | undefined {
  const all = texts(node);
  const named = all.find((t) => /label|title|value|placeholder/i.test(t.name) && (t.text ?? '').length > 1);
  if (named !== undefined) return named.text;
  return all.map((t) => t.text ?? '').sort((a, b) => b.length - a.length)[0];
}

function baseName(name: string): string {
  return name.replace(/[\s\d.]+$/, '');
}

function isChecked(node: DesignNode): boolean {
  const walk = (n: DesignNode): boolean =>
    (n.kind === 'text' && n.text === '✓') || (n.name === 'Thumb' && n.x > 8) || (n.children ?? []).some(walk);
  return walk(node);
}

class Writer {
  private readonly lines: string[] = [];
  constructor(
    private readonly payload: GenerationPayload,
    private readonly choices: WriterChoices,
  ) {}

  private push(depth: number, line: string): void {
    this.lines.push(`${'  '.repeat(depth)}${line}`);
  }

  private boxStyle(node: DesignNode, where: string): [string, StyleValue][] {
    let { x, y } = node;
    if (this.choices.mistake('shift', where)) {
      const px = 2 + Math.floor(this.choices.amount('shift', where) * 6);
      x += px;
      y += px;
    }
    return [
      ['position', 'absolute'],
      ['left', x],
      ['top', y],
      ['width', node.width],
      ['height', node.height],
    ];
  }

  private frameStyle(node: DesignNode, where: string): [string, StyleValue][] {
    const style: [string, StyleValue][] = [];
    if (node.fill !== undefined && !this.choices.mistake('drop-fill', where)) {
      style.push([
        'background',
        this.choices.mistake('color-drift', where)
          ? driftColor(node.fill, this.choices.amount('color-drift', where))
          : node.fill,
      ]);
    }
    if (node.stroke !== undefined && !this.choices.mistake('drop-border', where))
      style.push(['border', `${node.strokeWidth ?? 1}px solid ${node.stroke}`]);
    if (node.radius !== undefined && node.radius > 0 && !this.choices.mistake('drop-radius', where))
      style.push(['borderRadius', node.radius]);
    return style;
  }

  private textStyle(node: DesignNode, where: string): [string, StyleValue][] {
    const style: [string, StyleValue][] = [];
    if (node.color !== undefined)
      style.push([
        'color',
        this.choices.mistake('color-drift', where)
          ? driftColor(node.color, this.choices.amount('color-drift', where))
          : node.color,
      ]);
    let fontSize = node.fontSize ?? 12;
    if (this.choices.mistake('font-size', where))
      fontSize += 1 + Math.floor(this.choices.amount('font-size', where) * 3);
    style.push(['fontSize', fontSize]);
    if (node.fontWeight === 'bold') style.push(['fontWeight', 'bold']);
    if (node.align === 'center') style.push(['textAlign', 'center']);
    return style;
  }

  private layerComment(depth: number, node: DesignNode): void {
    if (this.choices.verbosity === 'verbose') this.push(depth, `{/* ${node.name.replace(/\*\//g, '')} */}`);
  }

  private targetAttributes(node: DesignNode, accessibleName: string | undefined, where: string): string[] {
    const attrs: string[] = [];
    for (const [name, value] of Object.entries(this.payload.target.attributes)) {
      attrs.push(name === 'tabIndex' ? `tabIndex={${Number(value) || 0}}` : `${name}="${value}"`);
    }
    const role = this.payload.target.attributes['role'];
    if (role === 'checkbox' || role === 'switch')
      attrs.push(`aria-checked="${isChecked(node) ? 'true' : 'false'}"`);
    if (accessibleName !== undefined && !this.choices.mistake('drop-accessible-name', where))
      attrs.push(`aria-label=${JSON.stringify(accessibleName)}`);
    if (this.choices.mistake('inline-handler', where)) attrs.push('onClick="handleClick()"');
    return attrs;
  }

  /** Writes one layer; `target` layers become the catalogue element. */
  write(
    node: DesignNode,
    where: string,
    depth: number,
    target: { name: string | undefined } | undefined,
  ): void {
    this.layerComment(depth, node);
    if (node.kind === 'text') {
      const style = [
        ...this.boxStyle(node, where),
        ...this.textStyle(node, where),
        ['lineHeight', `${node.height}px`] as [string, StyleValue],
      ];
      const text = this.choices.mistake('drop-text', where) ? '' : `{${JSON.stringify(node.text ?? '')}}`;
      this.push(depth, `<span ${styleAttr(style)}>${text}</span>`);
      return;
    }
    const element = target !== undefined ? this.payload.target.element : 'div';
    const attrs = target !== undefined ? this.targetAttributes(node, target.name, where) : [];
    const children = node.children ?? [];
    if (target !== undefined && VOID_ELEMENTS.has(element)) {
      // A void element cannot hold layers: a positioned wrapper holds the element (which draws the
      // frame and its first text as placeholder) and the remaining layers.
      const placeholder = children.find((c) => c.kind === 'text');
      const inner: [string, StyleValue][] = [
        ['position', 'absolute'],
        ['left', 0],
        ['top', 0],
        ['width', node.width],
        ['height', node.height],
        ...this.frameStyle(node, where),
      ];
      if (placeholder !== undefined)
        inner.push(...this.textStyle(placeholder, `${where}/${placeholder.name}`), [
          'paddingLeft',
          placeholder.x,
        ]);
      const placeholderAttr =
        placeholder !== undefined && !this.choices.mistake('drop-text', `${where}/${placeholder.name}`)
          ? [`placeholder=${JSON.stringify(placeholder.text ?? '')}`]
          : [];
      this.push(depth, `<div ${styleAttr(this.boxStyle(node, where))}>`);
      this.push(depth + 1, `<${element} ${[...attrs, ...placeholderAttr, styleAttr(inner)].join(' ')} />`);
      for (const child of children)
        if (child !== placeholder) this.write(child, `${where}/${child.name}`, depth + 1, undefined);
      this.push(depth, '</div>');
      return;
    }
    const style = [...this.boxStyle(node, where), ...this.frameStyle(node, where)];
    const open = `<${element} ${[...attrs, styleAttr(style)].join(' ')}`;
    if (children.length === 0) {
      this.push(depth, `${open} />`);
      return;
    }
    this.push(depth, `${open}>`);
    for (const child of children) this.write(child, `${where}/${child.name}`, depth + 1, undefined);
    if (!this.choices.mistake('unclosed-tag', where)) this.push(depth, `</${element}>`);
  }

  render(): string {
    const { design, componentName, target } = this.payload;
    const frames = (design.children ?? []).filter((c) => c.kind === 'frame');
    const targetBase = frames[0] !== undefined ? baseName(frames[0].name) : undefined;
    const labelText = (design.children ?? []).find((c) => c.kind === 'text' && /label/i.test(c.name))?.text;

    this.push(
      0,
      `// ${componentName}: written by the ${this.choices.writerLabel}; simulated output, not a real model's.`,
    );
    if (this.choices.verbosity === 'verbose') {
      this.push(0, '/**');
      this.push(
        0,
        ` * ${componentName} renders the design as the ${this.payload.library} ${target.name} (${target.type}).`,
      );
      this.push(0, ' * Every layer is absolutely positioned to match the design export pixel for pixel.');
      this.push(0, ' */');
      this.push(0, `export interface ${componentName}Props {`);
      this.push(1, '/** Extra class names for the canvas element. */');
      this.push(1, 'className?: string;');
      this.push(0, '}');
      this.push(0, '');
      this.push(0, `export function ${componentName}({ className }: ${componentName}Props) {`);
    } else {
      this.push(0, `export function ${componentName}() {`);
    }
    this.push(1, 'return (');
    const canvasStyle: [string, StyleValue][] = [
      ['position', 'relative'],
      ['width', design.width],
      ['height', design.height],
    ];
    if (design.fill !== undefined) canvasStyle.push(['background', design.fill]);
    canvasStyle.push(['overflow', 'hidden']);
    this.push(
      2,
      `<div${this.choices.verbosity === 'verbose' ? ' className={className}' : ''} ${styleAttr(canvasStyle)}>`,
    );
    for (const child of design.children ?? []) {
      const isTarget =
        child.kind === 'frame' && targetBase !== undefined && baseName(child.name) === targetBase;
      const name = isTarget ? (labelText ?? nameText(child) ?? componentName) : undefined;
      this.write(child, child.name, 3, isTarget ? { name } : undefined);
    }
    this.push(2, '</div>');
    this.push(1, ');');
    this.push(0, '}');
    return `${this.lines.join('\n')}\n`;
  }
}

/** Writes the TSX for a generation payload with the given choices. */
export function writeComponentTsx(payload: GenerationPayload, choices: WriterChoices): string {
  return new Writer(payload, choices).render();
}

/** Choices that make no mistakes (the reference rendering of the writer). */
export function faithfulChoices(verbosity: Verbosity = 'normal'): WriterChoices {
  return { mistake: () => false, amount: () => 0, verbosity, writerLabel: 'genscope faithful writer' };
}
