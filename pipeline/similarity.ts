/** Image comparison for validation: pixel similarity (pixelmatch) and structural similarity (SSIM). */
import pixelmatch from 'pixelmatch';
import { ssim } from 'ssim.js';
import type { DecodedImage } from './render';

function assertSameSize(a: DecodedImage, b: DecodedImage): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`image sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
}

/**
 * 1 - (mismatched pixels / all pixels). pixelmatch's default threshold (0.1 in YIQ space) and its
 * anti-aliasing detection keep sub-pixel text edges from counting as differences.
 */
export function pixelSimilarity(a: DecodedImage, b: DecodedImage, threshold = 0.1): number {
  return pixelDiff(a, b, threshold).similarity;
}

/**
 * pixelSimilarity and the difference image pixelmatch draws while counting (the reference faded,
 * differing pixels red, anti-aliased ones yellow): the same count, so the image shows what the
 * score measured.
 */
export function pixelDiff(a: DecodedImage, b: DecodedImage, threshold = 0.1): { similarity: number; diff: DecodedImage } {
  assertSameSize(a, b);
  const out = Buffer.alloc(a.width * a.height * 4);
  const mismatched = pixelmatch(a.data, b.data, out, a.width, a.height, { threshold });
  return { similarity: 1 - mismatched / (a.width * a.height), diff: { width: a.width, height: a.height, data: out } };
}

/** Mean SSIM over the image (ssim.js, default 'weber' algorithm), clamped to [0, 1]. */
export function structuralSimilarity(a: DecodedImage, b: DecodedImage): number {
  assertSameSize(a, b);
  const asImageData = (img: DecodedImage) => ({
    width: img.width,
    height: img.height,
    data: new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.length),
  });
  const { mssim } = ssim(asImageData(a), asImageData(b));
  return Math.min(1, Math.max(0, mssim));
}
