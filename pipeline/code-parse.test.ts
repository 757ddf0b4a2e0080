import { parseColour, parseComponentCode } from './code-parse';

describe('parseComponentCode', () => {
  it('turns inline styles into a design tree', () => {
    const parsed = parseComponentCode(`export function A() {
  return (
    <div style={{ position: 'relative', width: 160, height: 96, background: '#fff' }}>
      <button aria-label="Go" style={{ left: 10, top: 20, width: 80, height: 30, background: '#2563eb', border: '2px solid #112233', borderRadius: 6 }}>
        <span style={{ left: 0, top: 0, width: 80, height: 30, color: '#ffffff', fontSize: 13, fontWeight: 'bold', textAlign: 'center' }}>{"Go"}</span>
      </button>
      <input placeholder="Email" style={{ left: 10, top: 60, width: 100, height: 20, color: '#999999', fontSize: '11px', paddingLeft: 6 }} />
    </div>
  );
}
`);
    expect(parsed.syntaxErrors).toEqual([]);
    expect(parsed.exportedComponents).toEqual(['A']);
    expect(parsed.root).toEqual({
      name: 'div',
      kind: 'frame',
      x: 0,
      y: 0,
      width: 160,
      height: 96,
      fill: '#ffffff',
      children: [
        {
          name: 'button',
          kind: 'frame',
          role: 'button',
          label: 'Go',
          x: 10,
          y: 20,
          width: 80,
          height: 30,
          fill: '#2563eb',
          stroke: '#112233',
          strokeWidth: 2,
          radius: 6,
          children: [
            {
              name: 'span',
              kind: 'text',
              x: 0,
              y: 0,
              width: 80,
              height: 30,
              text: 'Go',
              color: '#ffffff',
              fontSize: 13,
              fontWeight: 'bold',
              align: 'center',
            },
          ],
        },
        {
          name: 'input',
          kind: 'frame',
          role: 'textbox',
          x: 10,
          y: 60,
          width: 100,
          height: 20,
          children: [
            {
              name: 'placeholder',
              kind: 'text',
              x: 6,
              y: 0,
              width: 94,
              height: 20,
              text: 'Email',
              color: '#999999',
              fontSize: 11,
            },
          ],
        },
      ],
    });
    expect(parsed.elements.map((e) => e.tag)).toEqual(['div', 'button', 'span', 'input']);
    expect(parsed.elements[1]!.textContent).toBe('Go');
    expect(parsed.maxDepth).toBe(3);
  });

  it('reports syntax errors with lines and still recovers a tree', () => {
    const parsed = parseComponentCode(
      'export function B() {\n  return (\n    <div style={{ width: 10, height: 10 }}>\n      <span>{"x"}</span>\n  );\n}\n',
    );
    expect(parsed.syntaxErrors.length).toBeGreaterThan(0);
    expect(parsed.syntaxErrors[0]!.line).toBeGreaterThan(0);
    expect(parsed.root).toBeDefined();
  });

  it('has no tree when the code has no JSX', () => {
    const parsed = parseComponentCode('export const x = 1;\n');
    expect(parsed.root).toBeUndefined();
    expect(parsed.exportedComponents).toEqual([]);
  });
});

describe('parseColour', () => {
  it('normalises hex and a few names, and ignores what it cannot draw', () => {
    expect(parseColour('#ABC')).toBe('#aabbcc');
    expect(parseColour('#A1B2C3')).toBe('#a1b2c3');
    expect(parseColour('white')).toBe('#ffffff');
    expect(parseColour('transparent')).toBeUndefined();
    expect(parseColour('rgb(1,2,3)')).toBeUndefined();
    expect(parseColour(12)).toBeUndefined();
  });
});
