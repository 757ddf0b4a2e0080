/**
 * validate's static checks of generated code: it parses, exports a component, and meets simple
 * quality and accessibility rules. The score is the weighted share of checks passed; the
 * explanation lists the failed ones with where they failed.
 */
import type { ParsedComponent, ParsedElement } from './code-parse';

export interface CheckResult {
  id: string;
  passed: boolean;
  weight: number;
  /** Why it failed (empty when passed). */
  detail: string;
}

export interface CodeQualityReport {
  /** Weighted share of passed checks, 0..1. */
  score: number;
  checks: CheckResult[];
  /** Ids of failed checks. */
  failed: string[];
  /** "all N checks passed" or "failed: id (detail); ..." */
  explanation: string;
}

const INTERACTIVE_TAGS = new Set(['button', 'input', 'select', 'textarea', 'a']);
const INTERACTIVE_ROLES = new Set([
  'button',
  'checkbox',
  'switch',
  'tab',
  'combobox',
  'textbox',
  'searchbox',
  'link',
  'menuitem',
  'option',
  'radio',
  'slider',
  'listbox',
]);
const NATIVE_FOCUSABLE = new Set(['button', 'input', 'select', 'textarea', 'a']);
/** Elements that take their accessible name from their content. */
const NAME_FROM_CONTENT = new Set(['button', 'a']);
const NAME_FROM_CONTENT_ROLES = new Set([
  'button',
  'checkbox',
  'switch',
  'tab',
  'link',
  'menuitem',
  'option',
  'radio',
]);
const MAX_LINES = 300;
const MAX_DEPTH = 10;

function attr(el: ParsedElement, name: string): string | undefined {
  return el.attributes.find((a) => a.name === name)?.value;
}

function describe(el: ParsedElement): string {
  const role = attr(el, 'role');
  return `<${el.tag}${role !== undefined ? ` role="${role}"` : ''}> line ${el.line}`;
}

function hasAccessibleName(el: ParsedElement): boolean {
  for (const name of ['aria-label', 'aria-labelledby', 'title']) {
    const v = attr(el, name);
    if (v !== undefined && v.trim().length > 0) return true;
  }
  const role = attr(el, 'role');
  const fromContent = role !== undefined ? NAME_FROM_CONTENT_ROLES.has(role) : NAME_FROM_CONTENT.has(el.tag);
  return fromContent && el.textContent.trim().length > 0;
}

function check(id: string, weight: number, offenders: string[]): CheckResult {
  return {
    id,
    weight,
    passed: offenders.length === 0,
    detail:
      offenders.slice(0, 3).join(', ') + (offenders.length > 3 ? `, +${offenders.length - 3} more` : ''),
  };
}

/** Runs every check on a parsed component. */
export function checkCodeQuality(parsed: ParsedComponent): CodeQualityReport {
  const els = parsed.elements;
  const interactive = els.filter(
    (el) => INTERACTIVE_TAGS.has(el.tag) || INTERACTIVE_ROLES.has(attr(el, 'role') ?? ''),
  );
  const checks: CheckResult[] = [
    check(
      'parses',
      3,
      parsed.syntaxErrors.map((e) => `line ${e.line}: ${e.message}`),
    ),
    check(
      'exports-component',
      1,
      parsed.exportedComponents.length === 1
        ? []
        : [`${parsed.exportedComponents.length} exported components`],
    ),
    check('renders-jsx', 1, parsed.root === undefined ? ['no JSX element'] : []),
    check('accessible-names', 2, interactive.filter((el) => !hasAccessibleName(el)).map(describe)),
    check(
      'aria-state',
      1,
      els
        .filter((el) => {
          const role = attr(el, 'role');
          if (role === 'checkbox' || role === 'switch') return attr(el, 'aria-checked') === undefined;
          if (role === 'dialog' || role === 'alertdialog') return attr(el, 'aria-modal') === undefined;
          return false;
        })
        .map(describe),
    ),
    check(
      'keyboard-focusable',
      1,
      els
        .filter(
          (el) =>
            INTERACTIVE_ROLES.has(attr(el, 'role') ?? '') &&
            !NATIVE_FOCUSABLE.has(el.tag) &&
            attr(el, 'tabIndex') === undefined &&
            attr(el, 'role') !== 'listbox',
        )
        .map(describe),
    ),
    check(
      'no-inline-handlers',
      1,
      els.flatMap((el) =>
        el.attributes
          .filter((a) => /^on[A-Z]/i.test(a.name) && a.kind === 'string')
          .map((a) => `${a.name} on ${describe(el)}`),
      ),
    ),
    check('img-alt', 1, els.filter((el) => el.tag === 'img' && attr(el, 'alt') === undefined).map(describe)),
    check(
      'no-dangerous-html',
      1,
      els.filter((el) => attr(el, 'dangerouslySetInnerHTML') !== undefined).map(describe),
    ),
    check(
      'reasonable-size',
      1,
      [
        parsed.lineCount > MAX_LINES ? `${parsed.lineCount} lines (max ${MAX_LINES})` : '',
        parsed.maxDepth > MAX_DEPTH ? `JSX depth ${parsed.maxDepth} (max ${MAX_DEPTH})` : '',
      ].filter((s) => s.length > 0),
    ),
  ];
  const total = checks.reduce((s, c) => s + c.weight, 0);
  const passed = checks.reduce((s, c) => s + (c.passed ? c.weight : 0), 0);
  const failed = checks.filter((c) => !c.passed);
  return {
    score: passed / total,
    checks,
    failed: failed.map((c) => c.id),
    explanation:
      failed.length === 0
        ? `all ${checks.length} checks passed`
        : `failed: ${failed.map((c) => `${c.id} (${c.detail})`).join('; ')}`,
  };
}
