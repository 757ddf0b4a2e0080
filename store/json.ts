/** Reading JSON the store wrote itself: a damaged or unexpected value reads as empty, never throws. */

/** A stored JSON object (attributes), {} when absent, malformed or not an object. */
export function parseJsonObject(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Any stored JSON value, null when absent or malformed. */
export function parseJsonValue(json: string | null): unknown {
  if (json === null) return null;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return null;
  }
}
