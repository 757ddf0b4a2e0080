/**
 * The store's one histogram codec, and the two bucket mappings stored with it.
 *
 * - Latency sketches (DDSketch-style): bucket i holds durations in (GAMMA^(i-1), GAMMA^i] ns and
 *   is read back as 2·GAMMA^i/(GAMMA+1), so every value read from a bucket is within
 *   SKETCH_RELATIVE_ERROR (0.99 %) of every duration that bucket holds. Buckets are fixed, so
 *   sketches merge by adding counts: a percentile over any range and any filter is a sum of
 *   buckets, never an average of percentiles, and its error bound does not grow with merging.
 * - Score histograms: SCORE_BINS equal bins over [0, 1].
 *
 * Stored form (a BLOB): a version byte, then for each non-empty bucket in ascending order the
 * varint gap to the previous non-empty index and the varint count. A typical hour rollup of one
 * stage occupies 20-80 buckets, so it takes ~50-170 bytes (the sparse JSON object it replaces
 * took ~3x more for 4x coarser buckets).
 */

export const SKETCH_GAMMA = 1.02;
/** Relative error bound of a value read from a latency sketch: (γ-1)/(γ+1). */
export const SKETCH_RELATIVE_ERROR = (SKETCH_GAMMA - 1) / (SKETCH_GAMMA + 1);
/** Index range of latency buckets: 1 ns .. GAMMA^2047 ns (~12 years). */
export const SKETCH_BUCKETS = 2048;
export const SCORE_BINS = 20;

const LN_GAMMA = Math.log(SKETCH_GAMMA);
const CODEC_VERSION = 1;

/** The latency bucket holding a duration in ns (0 holds everything up to 1 ns). */
export function sketchIndex(durationNs: number): number {
  if (!(durationNs > 1)) return 0;
  const i = Math.ceil(Math.log(durationNs) / LN_GAMMA);
  return i >= SKETCH_BUCKETS ? SKETCH_BUCKETS - 1 : i;
}

/** The value (ns) a latency bucket stands for: within SKETCH_RELATIVE_ERROR of all it holds. */
export function sketchValueNs(index: number): number {
  return (2 * Math.exp(index * LN_GAMMA)) / (SKETCH_GAMMA + 1);
}

/** Bucket bounds (ns) of latency bucket index: (lower, upper]. */
export function sketchBoundsNs(index: number): [number, number] {
  return [index <= 0 ? 0 : Math.exp((index - 1) * LN_GAMMA), Math.exp(index * LN_GAMMA)];
}

/** The score bin of a value in [0, 1] (values outside are clamped into the end bins). */
export function scoreBin(value: number): number {
  return Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(value * SCORE_BINS)));
}

/**
 * Counts per bucket index over a growable window of indexes: dense where the data is (merging is
 * an array add), small where it is not (a merged chart slot holds only the buckets it touched).
 */
export class BucketCounts {
  private offset = 0;
  private counts = new Float64Array(0);
  /** Sum of all counts. */
  total = 0;

  add(index: number, count = 1): void {
    if (count === 0) return;
    this.ensure(index);
    const k = index - this.offset;
    this.counts[k] = (this.counts[k] ?? 0) + count;
    this.total += count;
  }

  merge(other: BucketCounts): void {
    other.forEach((i, c) => this.add(i, c));
  }

  /**
   * Adds a stored (encoded) histogram; a NULL or foreign value adds nothing. Two passes: the first
   * finds the blob's lowest and highest index (the window grows once to hold both, not once per
   * bucket past the end: merging a month of hour sketches into chart slots reallocated each slot
   * about ten times), the second adds the counts in place.
   */
  addEncoded(blob: Uint8Array | null | undefined): void {
    if (!blob || blob.length === 0 || blob[0] !== CODEC_VERSION) return;
    const n = blob.length;
    let pos = 1;
    let first = -1;
    let last = -1;
    while (pos < n) {
      let gap = 0;
      let mul = 1;
      for (;;) {
        const b = blob[pos++] ?? 0;
        gap += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80 || pos >= n) break;
      }
      // Skip the count.
      while (pos < n && (blob[pos++] ?? 0) >= 0x80);
      last += gap;
      if (first < 0) first = last;
    }
    if (first < 0) return;
    this.ensureRange(first, last);
    const counts = this.counts;
    const offset = this.offset;
    pos = 1;
    let index = -1;
    let total = 0;
    while (pos < n) {
      let gap = 0;
      let mul = 1;
      for (;;) {
        const b = blob[pos++] ?? 0;
        gap += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80 || pos >= n) break;
      }
      let count = 0;
      mul = 1;
      for (;;) {
        const b = blob[pos++] ?? 0;
        count += (b & 0x7f) * mul;
        mul *= 128;
        if (b < 0x80 || pos >= n) break;
      }
      index += gap;
      counts[index - offset] = (counts[index - offset] ?? 0) + count;
      total += count;
    }
    this.total += total;
  }

  /** Non-empty buckets in ascending index order. */
  forEach(fn: (index: number, count: number) => void): void {
    const c = this.counts;
    for (let k = 0; k < c.length; k++) {
      const v = c[k] ?? 0;
      if (v !== 0) fn(k + this.offset, v);
    }
  }

  get(index: number): number {
    return this.counts[index - this.offset] ?? 0;
  }

  /** Lowest and highest non-empty index, or null when empty. */
  range(): [number, number] | null {
    let lo = -1;
    let hi = -1;
    this.forEach((i) => {
      if (lo < 0) lo = i;
      hi = i;
    });
    return lo < 0 ? null : [lo, hi];
  }

  /** The stored form (see the file header). */
  encode(): Buffer {
    const bytes: number[] = [CODEC_VERSION];
    let prev = -1;
    this.forEach((i, c) => {
      pushVarint(bytes, i - prev);
      pushVarint(bytes, Math.round(c));
      prev = i;
    });
    return Buffer.from(bytes);
  }

  static decode(blob: Uint8Array | null | undefined): BucketCounts {
    const h = new BucketCounts();
    h.addEncoded(blob);
    return h;
  }

  /** Index of the bucket holding the rank-th value (0-based, ascending); -1 when out of range. */
  private indexAtRank(rank: number): number {
    let seen = 0;
    const c = this.counts;
    for (let k = 0; k < c.length; k++) {
      seen += c[k] ?? 0;
      if (seen > rank) return k + this.offset;
    }
    return -1;
  }

  /**
   * The q-quantile read through `valueOf(index)`, on the same rank scale as exact percentiles
   * (linear between the two closest ranks, Hyndman & Fan type 7), so that when valueOf is within
   * a relative error e of every value its bucket holds, so is the result of the exact one.
   * Null when empty.
   */
  quantile(q: number, valueOf: (index: number) => number): number | null {
    if (this.total <= 0) return null;
    const h = (this.total - 1) * Math.min(1, Math.max(0, q));
    const lo = Math.floor(h);
    const a = valueOf(this.indexAtRank(lo));
    if (h === lo) return a;
    const b = valueOf(this.indexAtRank(Math.min(this.total - 1, lo + 1)));
    return a + (h - lo) * (b - a);
  }

  /**
   * Makes [lo, hi] addressable in one allocation, with a quarter of the width spare on each side
   * (sketches of the same series cover about the same indexes: the next ones mostly fit).
   */
  private ensureRange(lo: number, hi: number): void {
    const len = this.counts.length;
    if (len > 0 && lo >= this.offset && hi < this.offset + len) return;
    const from = len > 0 ? Math.min(this.offset, lo) : lo;
    const to = len > 0 ? Math.max(this.offset + len - 1, hi) : hi;
    const pad = (to - from + 1) >> 2;
    const start = Math.max(0, from - pad);
    const next = new Float64Array(to + pad - start + 1);
    if (len > 0) next.set(this.counts, this.offset - start);
    this.counts = next;
    this.offset = start;
  }

  private ensure(index: number): void {
    const len = this.counts.length;
    if (len === 0) {
      this.offset = index;
      this.counts = new Float64Array(8);
      return;
    }
    if (index >= this.offset && index < this.offset + len) return;
    const lo = Math.min(this.offset, index);
    const hi = Math.max(this.offset + len - 1, index);
    // Grow by half again so a run of ascending adds reallocates O(log n) times.
    const size = Math.max(hi - lo + 1, Math.ceil(len * 1.5));
    const start = index < this.offset ? Math.max(0, hi - size + 1) : lo;
    const next = new Float64Array(size);
    next.set(this.counts, this.offset - start);
    this.counts = next;
    this.offset = start;
  }
}

function pushVarint(out: number[], v: number): void {
  let x = v;
  while (x >= 0x80) {
    out.push((x % 128) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
}

/** A latency sketch's q-quantile in ns (null when empty). */
export function sketchQuantileNs(h: BucketCounts, q: number): number | null {
  return h.quantile(q, sketchValueNs);
}

/** Merges two stored histograms (the writer's upsert of a rollup row that already exists). */
export function mergeEncoded(a: Uint8Array | null, b: Uint8Array | null): Buffer {
  const h = BucketCounts.decode(a);
  h.addEncoded(b);
  return h.encode();
}

/** A score histogram as SCORE_BINS counts. */
export function scoreBinsOf(blob: Uint8Array | null | undefined): number[] {
  const bins = new Array<number>(SCORE_BINS).fill(0);
  BucketCounts.decode(blob).forEach((i, c) => {
    if (i >= 0 && i < SCORE_BINS) bins[i] = c;
  });
  return bins;
}

/**
 * Display buckets for the latency heatmap: 4 per doubling from 0.1 ms (a chart row per ~19 %
 * step is as fine as the eye reads). Sketch buckets are re-bucketed into them by their value.
 */
export const DISPLAY_BASE_NS = 100_000;
const DISPLAY_LOG_R = Math.LN2 / 4;

export function displayBucketOf(durationNs: number): number {
  if (!(durationNs > DISPLAY_BASE_NS)) return 0;
  return Math.floor(Math.log(durationNs / DISPLAY_BASE_NS) / DISPLAY_LOG_R);
}

/** Edges (ms) of display buckets lo..hi inclusive: hi - lo + 2 numbers. */
export function displayEdgesMs(lo: number, hi: number): number[] {
  const edge = (i: number) => (i <= 0 ? 0 : DISPLAY_BASE_NS * Math.exp(i * DISPLAY_LOG_R)) / 1e6;
  const out: number[] = [];
  for (let i = lo; i <= hi + 1; i++) out.push(edge(i));
  return out;
}

/** A latency sketch re-bucketed into display buckets. */
export function toDisplayBuckets(h: BucketCounts): BucketCounts {
  const out = new BucketCounts();
  h.forEach((i, c) => out.add(displayBucketOf(sketchValueNs(i)), c));
  return out;
}
