import { loadCatalog } from './corpus';
import { embedText, HashedNgramEmbedder } from './embedding';
import { buildCatalogIndex, entryText, mapToCatalog } from './map';

describe('mapToCatalog', () => {
  it('picks the entry whose text is the query, with confidence 1', async () => {
    const catalog = loadCatalog();
    const index = await buildCatalogIndex(catalog, new HashedNgramEmbedder());
    for (const entry of catalog.entries) {
      const mapping = mapToCatalog(embedText(entryText(entry)), entry.type, index);
      expect(mapping.entry.id).toBe(entry.id);
      expect(mapping.confidence).toBeCloseTo(1, 5);
      expect(mapping.candidates[0]?.entryId).toBe(entry.id);
    }
  });

  it('searches only the classified type, so a wrong type maps worse', async () => {
    const catalog = loadCatalog();
    const index = await buildCatalogIndex(catalog, new HashedNgramEmbedder());
    const query = embedText('Search input with a magnifier icon and placeholder text.');
    const right = mapToCatalog(query, 'input', index);
    const wrong = mapToCatalog(query, 'table', index);
    expect(right.entry.type).toBe('input');
    expect(wrong.entry.type).toBe('table');
    expect(wrong.restrictedToType).toBe(true);
    expect(right.confidence).toBeGreaterThan(wrong.confidence);
  });

  it('falls back to the whole catalogue when the type has no entry', async () => {
    const catalog = loadCatalog();
    const onlyButtons = { ...catalog, entries: catalog.entries.filter((e) => e.type === 'button') };
    const index = await buildCatalogIndex(onlyButtons, new HashedNgramEmbedder());
    const mapping = mapToCatalog(embedText('a table'), 'table', index);
    expect(mapping.restrictedToType).toBe(false);
    expect(mapping.entry.type).toBe('button');
  });
});
