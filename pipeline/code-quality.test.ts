import { checkCodeQuality } from './code-quality';
import { parseComponentCode } from './code-parse';

const wrap = (jsx: string) =>
  `export function C() {\n  return (\n    <div style={{ width: 100, height: 50 }}>\n      ${jsx}\n    </div>\n  );\n}\n`;
const report = (code: string) => checkCodeQuality(parseComponentCode(code));

describe('checkCodeQuality', () => {
  it('passes clean accessible code with score 1', () => {
    const r = report(
      wrap(
        '<button type="button">Save</button><input aria-label="Email" /><div role="checkbox" aria-checked="true" tabIndex={0} aria-label="Agree" />',
      ),
    );
    expect(r.failed).toEqual([]);
    expect(r.score).toBe(1);
    expect(r.explanation).toMatch(/^all \d+ checks passed$/);
  });

  it('fails accessible-names for an unlabelled input and a glyph-less icon button', () => {
    const r = report(wrap('<input placeholder="Email" /><button type="button"></button>'));
    expect(r.failed).toEqual(['accessible-names']);
    expect(r.explanation).toContain('<input> line 4');
    expect(r.score).toBeLessThan(1);
  });

  it('fails inline event handler strings but not handler expressions', () => {
    expect(report(wrap('<button onClick="go()">Go</button>')).failed).toEqual(['no-inline-handlers']);
    expect(report(wrap('<button onClick={() => go()}>Go</button>')).failed).toEqual([]);
  });

  it('fails parses (the heaviest check) on a syntax error', () => {
    const r = report('export function C() {\n  return <div><span>x</div>;\n}\n');
    expect(r.failed).toContain('parses');
    // parses weighs 3 of the 13 weight units.
    expect(r.score).toBeCloseTo(10 / 13, 10);
  });

  it('checks ARIA state, keyboard focus, img alt, dangerous HTML and size', () => {
    expect(report(wrap('<div role="switch" tabIndex={0} aria-label="Dark mode" />')).failed).toEqual([
      'aria-state',
    ]);
    expect(report(wrap('<div role="dialog" aria-label="Hi" />')).failed).toEqual(['aria-state']);
    expect(report(wrap('<div role="tab" aria-label="One" />')).failed).toEqual(['keyboard-focusable']);
    expect(report(wrap('<img src="a.png" />')).failed).toEqual(['img-alt']);
    expect(report(wrap('<div dangerouslySetInnerHTML={{ __html: x }} />')).failed).toEqual([
      'no-dangerous-html',
    ]);
    const deep = '<div>'.repeat(12) + '</div>'.repeat(12);
    expect(report(wrap(deep)).failed).toEqual(['reasonable-size']);
  });

  it('requires exactly one exported component', () => {
    expect(report('function C() { return <div />; }\n').failed).toEqual(['exports-component']);
  });
});
