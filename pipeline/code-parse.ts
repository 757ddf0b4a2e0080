/**
 * Reads generated TSX with the TypeScript parser: its syntax errors, its JSX elements (for the
 * static checks) and the design tree its inline styles describe (for rendering). Only what the
 * code literally says is used: unknown colours or computed values are not guessed.
 */
import ts from 'typescript';
import type { DesignNode } from './types';

export interface ParsedAttribute {
  name: string;
  /** 'string' for name="x", 'expression' for name={...}, 'boolean' for a bare name. */
  kind: 'string' | 'expression' | 'boolean';
  /** The string value, or the expression's source text. */
  value: string;
}

export interface ParsedElement {
  tag: string;
  attributes: ParsedAttribute[];
  /** All text inside the element, descendants included, whitespace collapsed. */
  textContent: string;
  /** JSX nesting depth, the outermost element is 1. */
  depth: number;
  /** 1-based line of the opening tag. */
  line: number;
}

export interface CodeSyntaxError {
  message: string;
  line: number;
}

export interface ParsedComponent {
  syntaxErrors: CodeSyntaxError[];
  elements: ParsedElement[];
  /** The tree of the outermost JSX element, or undefined when the code has none. */
  root: DesignNode | undefined;
  /** Exported names that start with a capital letter (React component convention). */
  exportedComponents: string[];
  lineCount: number;
  maxDepth: number;
}

const NAMED_COLOURS: Record<string, string> = { white: '#ffffff', black: '#000000' };

/** #rgb / #rrggbb / white / black -> #rrggbb; anything else (incl. transparent) -> undefined. */
export function parseColour(value: string | number | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (/^#[0-9a-f]{6}$/.test(v)) return v;
  if (/^#[0-9a-f]{3}$/.test(v)) return `#${[...v.slice(1)].map((c) => c + c).join('')}`;
  return NAMED_COLOURS[v];
}

function parsePixels(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)(?:px)?\s*$/.exec(value);
  return m?.[1] !== undefined ? Number(m[1]) : undefined;
}

/**
 * The syntax diagnostics the parser collected. `parseDiagnostics` is not in the public typings,
 * but it is exactly what `program.getSyntacticDiagnostics(file)` returns for a file; without it
 * we fall back to transpileModule, which reports the same syntactic errors.
 */
function syntaxDiagnostics(sourceFile: ts.SourceFile, code: string): readonly ts.Diagnostic[] {
  const internal = (sourceFile as unknown as { parseDiagnostics?: unknown }).parseDiagnostics;
  if (Array.isArray(internal)) return internal as ts.Diagnostic[];
  const out = ts.transpileModule(code, {
    fileName: 'Component.tsx',
    reportDiagnostics: true,
    compilerOptions: { jsx: ts.JsxEmit.Preserve },
  });
  return out.diagnostics ?? [];
}

function literalValue(expr: ts.Expression): string | number | undefined {
  if (ts.isNumericLiteral(expr)) return Number(expr.text);
  if (ts.isStringLiteral(expr) || ts.isNoSubstitutionTemplateLiteral(expr)) return expr.text;
  if (
    ts.isPrefixUnaryExpression(expr) &&
    expr.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(expr.operand)
  )
    return -Number(expr.operand.text);
  if (ts.isParenthesizedExpression(expr)) return literalValue(expr.expression);
  return undefined;
}

type Style = Record<string, string | number>;

function styleOf(attributes: ts.JsxAttributes): Style {
  const style: Style = {};
  for (const prop of attributes.properties) {
    if (!ts.isJsxAttribute(prop) || prop.name.getText() !== 'style') continue;
    const init = prop.initializer;
    if (init === undefined || !ts.isJsxExpression(init) || init.expression === undefined) continue;
    if (!ts.isObjectLiteralExpression(init.expression)) continue;
    for (const p of init.expression.properties) {
      if (!ts.isPropertyAssignment(p)) continue;
      const key = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : undefined;
      const value = literalValue(p.initializer);
      if (key !== undefined && value !== undefined) style[key] = value;
    }
  }
  return style;
}

/** Roles the HTML tags imply (the subset components use); an explicit `role` attribute wins. */
const IMPLIED_ROLES: Readonly<Record<string, string>> = {
  button: 'button', a: 'link', select: 'combobox', textarea: 'textbox', nav: 'navigation', table: 'table',
  tr: 'row', td: 'cell', th: 'columnheader', dialog: 'dialog', img: 'img', ul: 'list', li: 'listitem',
  h1: 'heading', h2: 'heading', h3: 'heading', h4: 'heading', h5: 'heading', h6: 'heading',
};

/** The ARIA role of a generated element, or undefined for generic ones (div, span). */
export function roleOfElement(tag: string, attributes: readonly ParsedAttribute[]): string | undefined {
  const explicit = attributes.find((a) => a.name === 'role' && a.kind === 'string')?.value.trim().split(/\s+/)[0];
  if (explicit) return explicit.toLowerCase();
  if (tag === 'input') {
    const type = attributes.find((a) => a.name === 'type' && a.kind === 'string')?.value.toLowerCase() ?? 'text';
    return type === 'checkbox' ? 'checkbox' : type === 'radio' ? 'radio' : type === 'button' || type === 'submit' ? 'button' : 'textbox';
  }
  return IMPLIED_ROLES[tag];
}

function attributesOf(attributes: ts.JsxAttributes): ParsedAttribute[] {
  const out: ParsedAttribute[] = [];
  for (const prop of attributes.properties) {
    if (!ts.isJsxAttribute(prop)) continue;
    const name = prop.name.getText();
    const init = prop.initializer;
    if (init === undefined) out.push({ name, kind: 'boolean', value: 'true' });
    else if (ts.isStringLiteral(init)) out.push({ name, kind: 'string', value: init.text });
    else if (ts.isJsxExpression(init)) {
      const expr = init.expression;
      const lit = expr !== undefined ? literalValue(expr) : undefined;
      // {"text"} and {0} are literals in braces: keep their value for the checks.
      out.push({
        name,
        kind: 'expression',
        value: lit !== undefined ? String(lit) : (expr?.getText() ?? ''),
      });
    } else out.push({ name, kind: 'expression', value: init.getText() });
  }
  return out;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

type JsxLike = ts.JsxElement | ts.JsxSelfClosingElement | ts.JsxFragment;

function isJsxLike(node: ts.Node): node is JsxLike {
  return ts.isJsxElement(node) || ts.isJsxSelfClosingElement(node) || ts.isJsxFragment(node);
}

interface Converted {
  nodes: DesignNode[];
  text: string;
}

class Collector {
  readonly elements: ParsedElement[] = [];
  maxDepth = 0;
  constructor(private readonly sourceFile: ts.SourceFile) {}

  /** Converts a JSX node; fragments flatten into their parent. */
  convert(node: JsxLike, depth: number): Converted {
    if (ts.isJsxFragment(node)) return this.children(node.children, depth);
    const opening = ts.isJsxElement(node) ? node.openingElement : node;
    const tag = opening.tagName.getText();
    const attributes = attributesOf(opening.attributes);
    const style = styleOf(opening.attributes);
    const record: ParsedElement = {
      tag,
      attributes,
      textContent: '',
      depth,
      line: this.sourceFile.getLineAndCharacterOfPosition(opening.getStart()).line + 1,
    };
    this.elements.push(record);
    this.maxDepth = Math.max(this.maxDepth, depth);
    const inner = ts.isJsxElement(node) ? this.children(node.children, depth + 1) : { nodes: [], text: '' };
    record.textContent = inner.text;

    const width = parsePixels(style['width']) ?? 0;
    const height = parsePixels(style['height']) ?? 0;
    const box = { x: parsePixels(style['left']) ?? 0, y: parsePixels(style['top']) ?? 0, width, height };
    const textProps: Partial<DesignNode> = {};
    const colour = parseColour(style['color']);
    if (colour !== undefined) textProps.color = colour;
    const fontSize = parsePixels(style['fontSize']);
    if (fontSize !== undefined && fontSize > 0) textProps.fontSize = fontSize;
    const weight = style['fontWeight'];
    if (
      weight === 'bold' ||
      (typeof weight === 'number' && weight >= 600) ||
      (typeof weight === 'string' && Number(weight) >= 600)
    )
      textProps.fontWeight = 'bold';
    if (style['textAlign'] === 'center') textProps.align = 'center';

    const frame: DesignNode = { name: tag, kind: 'frame', ...box };
    const role = roleOfElement(tag, attributes);
    if (role !== undefined) frame.role = role;
    const ariaLabel = attributes.find((a) => a.name === 'aria-label' && a.kind === 'string')?.value;
    if (ariaLabel !== undefined && ariaLabel.trim().length > 0) frame.label = ariaLabel;
    const fill = parseColour(style['background'] ?? style['backgroundColor']);
    if (fill !== undefined) frame.fill = fill;
    const border =
      typeof style['border'] === 'string'
        ? /^(\d+(?:\.\d+)?)px\s+solid\s+(\S+)$/.exec(style['border'].trim())
        : null;
    const stroke = parseColour(border?.[2] ?? style['borderColor']);
    if (stroke !== undefined) {
      frame.stroke = stroke;
      frame.strokeWidth =
        border?.[1] !== undefined ? Number(border[1]) : (parsePixels(style['borderWidth']) ?? 1);
    }
    const radius = parsePixels(style['borderRadius']);
    if (radius !== undefined && radius > 0) frame.radius = radius;

    const children: DesignNode[] = [];
    if ((tag === 'input' || tag === 'textarea') && opening.attributes) {
      const shown =
        attributes.find((a) => a.name === 'value' && a.kind !== 'boolean') ??
        attributes.find((a) => a.name === 'placeholder');
      if (shown !== undefined && shown.value.length > 0) {
        const padding = parsePixels(style['paddingLeft']) ?? 0;
        children.push({
          name: 'placeholder',
          kind: 'text',
          x: padding,
          y: 0,
          width: Math.max(0, width - padding),
          height,
          text: shown.value,
          ...textProps,
        });
      }
    }
    const ownText = ts.isJsxElement(node) ? this.ownText(node.children) : '';
    const hasVisuals = fill !== undefined || stroke !== undefined;
    if (ownText.length > 0 && !hasVisuals && inner.nodes.length === 0) {
      const textNode: DesignNode = { name: tag, kind: 'text', ...box, text: ownText, ...textProps };
      if (frame.role !== undefined) textNode.role = frame.role;
      if (frame.label !== undefined) textNode.label = frame.label;
      return { nodes: [textNode], text: inner.text };
    }
    if (ownText.length > 0)
      children.push({ name: 'text', kind: 'text', x: 0, y: 0, width, height, text: ownText, ...textProps });
    children.push(...inner.nodes);
    if (children.length > 0) frame.children = children;
    return { nodes: [frame], text: inner.text };
  }

  private ownText(children: ts.NodeArray<ts.JsxChild>): string {
    const parts: string[] = [];
    for (const child of children) {
      if (ts.isJsxText(child)) {
        if (!child.containsOnlyTriviaWhiteSpaces) parts.push(child.text);
      } else if (ts.isJsxExpression(child) && child.expression !== undefined) {
        const lit = literalValue(child.expression);
        if (lit !== undefined) parts.push(String(lit));
      }
    }
    return collapse(parts.join(' '));
  }

  private children(children: ts.NodeArray<ts.JsxChild>, depth: number): Converted {
    const nodes: DesignNode[] = [];
    const texts: string[] = [];
    for (const child of children) {
      if (isJsxLike(child)) {
        const c = this.convert(child, depth);
        nodes.push(...c.nodes);
        if (c.text.length > 0) texts.push(c.text);
      } else if (ts.isJsxText(child)) {
        if (!child.containsOnlyTriviaWhiteSpaces) texts.push(collapse(child.text));
      } else if (ts.isJsxExpression(child) && child.expression !== undefined) {
        const lit = literalValue(child.expression);
        if (lit !== undefined) texts.push(String(lit));
      }
    }
    return { nodes, text: collapse(texts.join(' ')) };
  }
}

function exportedComponents(sourceFile: ts.SourceFile): string[] {
  const names: string[] = [];
  const isExported = (node: ts.Node): boolean =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of sourceFile.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name !== undefined && isExported(statement))
      names.push(statement.name.text);
    if (ts.isVariableStatement(statement) && isExported(statement)) {
      for (const decl of statement.declarationList.declarations)
        if (ts.isIdentifier(decl.name)) names.push(decl.name.text);
    }
  }
  return names.filter((n) => /^[A-Z]/.test(n));
}

/** Parses generated TSX. Never throws on bad code: syntax errors are reported, and the tree is what the parser recovered. */
export function parseComponentCode(code: string): ParsedComponent {
  const sourceFile = ts.createSourceFile(
    'Component.tsx',
    code,
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TSX,
  );
  const syntaxErrors = syntaxDiagnostics(sourceFile, code).map((d) => ({
    message: ts.flattenDiagnosticMessageText(d.messageText, ' '),
    line: d.start !== undefined ? sourceFile.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
  }));
  const collector = new Collector(sourceFile);
  let root: DesignNode | undefined;
  const visit = (node: ts.Node): void => {
    if (root !== undefined) return;
    if (isJsxLike(node)) {
      const converted = collector.convert(node, 1);
      root = converted.nodes[0];
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (root !== undefined) root = { ...root, x: 0, y: 0 };
  return {
    syntaxErrors,
    elements: collector.elements,
    root,
    exportedComponents: exportedComponents(sourceFile),
    lineCount: code.split('\n').length,
    maxDepth: collector.maxDepth,
  };
}
