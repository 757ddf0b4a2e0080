import { loadCatalog, loadCorpus } from './corpus';
import {
  buildGenerationPrompt,
  componentIdentifier,
  extractCode,
  NoCodeInResponseError,
  parseGenerationPrompt,
} from './prompt';

describe('generation prompt', () => {
  it('carries the design and target, and reads back exactly', () => {
    const spec = loadCorpus().components[0]!;
    const catalog = loadCatalog();
    const entry = catalog.entries[0]!;
    const prompt = buildGenerationPrompt(spec, entry, catalog.library);
    expect(prompt).toContain(`<${entry.element}`);
    const payload = parseGenerationPrompt(prompt);
    expect(payload.design).toEqual(spec.design);
    expect(payload.target).toEqual(entry);
    expect(payload.componentId).toBe(spec.id);
  });

  it('makes component identifiers valid PascalCase', () => {
    expect(componentIdentifier('Primary button')).toBe('PrimaryButton');
    expect(componentIdentifier('2-column table')).toBe('Component2ColumnTable');
  });
});

describe('extractCode', () => {
  it('returns the first fenced block', () => {
    expect(extractCode('Here:\n```tsx\nexport function A() {}\n```\nmore\n```js\nx\n```')).toBe(
      'export function A() {}\n',
    );
  });

  it('throws NoCodeInResponseError on a reply without code', () => {
    expect(() => extractCode('I cannot do that.')).toThrow(NoCodeInResponseError);
    expect(() => extractCode('```tsx\n\n```')).toThrow('no code block');
  });
});
