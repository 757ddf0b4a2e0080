/**
 * map: finds the catalogue component a spec should be built with, by cosine similarity between
 * the spec's embedded text and each catalogue entry's embedded text. The catalogue side is an
 * index built once (like a vector store built offline); the spec side is embedded per run.
 */
import type { Embedder } from './embedding';
import { cosineSimilarity } from './embedding';
import type { Catalog, CatalogEntry, ComponentSpec, ComponentType } from './types';

/** What a spec is embedded as: what the designer wrote about it. */
export function specText(spec: Pick<ComponentSpec, 'name' | 'description' | 'tokens'>): string {
  return `${spec.name}. ${spec.description} ${spec.tokens.join(', ')}`;
}

/** What a catalogue entry is embedded as. */
export function entryText(entry: CatalogEntry): string {
  return `${entry.name}. ${entry.description} ${entry.keywords.join(', ')}`;
}

export interface CatalogIndex {
  catalog: Catalog;
  embedderModel: string;
  vectors: { entry: CatalogEntry; vector: Float32Array }[];
}

/** Embeds every catalogue entry once (outside any pipeline run, so it is not traced). */
export async function buildCatalogIndex(catalog: Catalog, embedder: Embedder): Promise<CatalogIndex> {
  const vectors: CatalogIndex['vectors'] = [];
  for (const entry of catalog.entries)
    vectors.push({ entry, vector: (await embedder.embed(entryText(entry))).vector });
  return { catalog, embedderModel: embedder.model, vectors };
}

export interface MappingCandidate {
  entryId: string;
  similarity: number;
}

export interface Mapping {
  entry: CatalogEntry;
  /** Cosine similarity of the spec and the chosen entry, clamped to [0, 1]. */
  confidence: number;
  /** The best three candidates considered, best first. */
  candidates: MappingCandidate[];
  /** False when the classified type had no catalogue entry and the whole catalogue was searched. */
  restrictedToType: boolean;
}

/**
 * Picks the most similar entry among those of the classified type (so a wrong classification
 * really does lead to a worse mapping); falls back to the whole catalogue when the type has none.
 * Ties keep catalogue order.
 */
export function mapToCatalog(
  specVector: Float32Array,
  predictedType: ComponentType,
  index: CatalogIndex,
): Mapping {
  const ofType = index.vectors.filter((v) => v.entry.type === predictedType);
  const pool = ofType.length > 0 ? ofType : index.vectors;
  const ranked = pool
    .map((v, order) => ({ entry: v.entry, similarity: cosineSimilarity(specVector, v.vector), order }))
    .sort((a, b) => b.similarity - a.similarity || a.order - b.order);
  const best = ranked[0];
  if (best === undefined) throw new Error('mapToCatalog: the catalogue index is empty');
  return {
    entry: best.entry,
    confidence: Math.min(1, Math.max(0, best.similarity)),
    candidates: ranked.slice(0, 3).map((r) => ({ entryId: r.entry.id, similarity: r.similarity })),
    restrictedToType: ofType.length > 0,
  };
}
