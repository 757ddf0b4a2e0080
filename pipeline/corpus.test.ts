import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultCatalogPath, defaultCorpusPath, loadCatalog, loadCorpus } from './corpus';
import { COMPONENT_TYPES } from './types';

function tempFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-corpus-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function bundledCorpusJson(): { version: number; components: Record<string, unknown>[] } {
  return JSON.parse(fs.readFileSync(defaultCorpusPath(), 'utf8')) as {
    version: number;
    components: Record<string, unknown>[];
  };
}

describe('loadCorpus', () => {
  it('loads the bundled corpus: at least 48 specs over at least 8 labelled types', () => {
    const corpus = loadCorpus();
    expect(corpus.components.length).toBeGreaterThanOrEqual(48);
    const types = new Set(corpus.components.map((c) => c.label));
    expect(types.size).toBeGreaterThanOrEqual(8);
    for (const type of types) expect(COMPONENT_TYPES).toContain(type);
    expect(new Set(corpus.components.map((c) => c.id)).size).toBe(corpus.components.length);
  });

  it('names the file, the item and the field of a malformed spec', () => {
    const data = bundledCorpusJson();
    const item = data.components[2] as { id: string; design: { children: Record<string, unknown>[] } };
    (item.design.children[0] as Record<string, unknown>)['fill'] = 'blue';
    const file = tempFile('bad-field.json', JSON.stringify(data));
    expect(() => loadCorpus(file)).toThrow(file);
    expect(() => loadCorpus(file)).toThrow(`components[2] (id "${item.id}"): field "design.children.0.fill"`);
  });

  it('reports a missing required field and a wrong label', () => {
    const data = bundledCorpusJson();
    delete data.components[0]!['description'];
    data.components[5]!['label'] = 'carousel';
    const file = tempFile('missing.json', JSON.stringify(data));
    let message = '';
    try {
      loadCorpus(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('components[0]');
    expect(message).toContain('field "description"');
    expect(message).toContain('components[5]');
    expect(message).toContain('field "label"');
  });

  it('rejects a text node without text, naming the nested field', () => {
    const data = bundledCorpusJson();
    const button = data.components[0] as { design: { children: { children: Record<string, unknown>[] }[] } };
    const label = button.design.children[0]!.children.find((c) => c['kind'] === 'text')!;
    delete label['text'];
    const file = tempFile('no-text.json', JSON.stringify(data));
    expect(() => loadCorpus(file)).toThrow(
      /components\[0\] \(id "btn-primary-save"\): field "design\.children\.0\.children\.\d+\.text"/,
    );
  });

  it('rejects duplicate ids', () => {
    const data = bundledCorpusJson();
    data.components[3]!['id'] = data.components[1]!['id'];
    const file = tempFile('dup.json', JSON.stringify(data));
    expect(() => loadCorpus(file)).toThrow(
      `components[3] (id "${String(data.components[1]!['id'])}"): field "id": duplicates components[1]`,
    );
  });

  it('names the file when it is not JSON or does not exist', () => {
    const file = tempFile('broken.json', '{"version": 1, "components": [');
    expect(() => loadCorpus(file)).toThrow(`corpus file ${file} is not valid JSON`);
    expect(() => loadCorpus(path.join(os.tmpdir(), 'genscope-no-such-corpus.json'))).toThrow(
      'cannot read corpus file',
    );
  });
});

describe('loadCatalog', () => {
  it('loads the bundled catalogue with entries for every corpus type', () => {
    const catalog = loadCatalog(defaultCatalogPath());
    expect(catalog.entries.length).toBeGreaterThanOrEqual(20);
    const types = new Set(catalog.entries.map((e) => e.type));
    for (const spec of loadCorpus().components) expect(types.has(spec.label)).toBe(true);
  });

  it('names the entry and field of a malformed catalogue', () => {
    const data = JSON.parse(fs.readFileSync(defaultCatalogPath(), 'utf8')) as {
      entries: Record<string, unknown>[];
    };
    data.entries[4]!['element'] = 'Not An Element';
    const file = tempFile('catalog.json', JSON.stringify(data));
    expect(() => loadCatalog(file)).toThrow(
      `invalid catalog file ${file}: entries[4] (id "${String(data.entries[4]!['id'])}"): field "element"`,
    );
  });
});
