/**
 * The one renderer both sides of validation go through: a design tree -> SVG -> PNG (resvg) ->
 * decoded RGBA (pngjs). The reference design and the tree recovered from generated code are
 * drawn by the same code with the same fonts, so any pixel difference comes from the trees.
 *
 * Fonts: DejaVu Sans is passed to resvg explicitly and system fonts are not loaded, so images are
 * identical across machines that have the font (CI installs fonts-dejavu-core). Without it,
 * resvg falls back to system fonts: comparisons stay consistent within a process, but images may
 * differ between machines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { PNG } from 'pngjs';
import type { DesignNode } from './types';

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major. */
  data: Buffer;
}

const FONT_FAMILY = 'DejaVu Sans';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

let cachedFontOptions: ResvgRenderOptions['font'] | undefined;

/** Font options for resvg: the DejaVu files from GENSCOPE_FONT_DIR or the Debian location. */
export function fontOptions(): NonNullable<ResvgRenderOptions['font']> {
  if (cachedFontOptions !== undefined) return cachedFontOptions;
  const dirs = [process.env['GENSCOPE_FONT_DIR'], '/usr/share/fonts/truetype/dejavu'].filter(
    (d): d is string => typeof d === 'string' && d.length > 0,
  );
  for (const dir of dirs) {
    const files = FONT_FILES.map((f) => path.join(dir, f));
    if (files.every((f) => fs.existsSync(f))) {
      cachedFontOptions = {
        fontFiles: files,
        loadSystemFonts: false,
        defaultFontFamily: FONT_FAMILY,
        sansSerifFamily: FONT_FAMILY,
      };
      return cachedFontOptions;
    }
  }
  cachedFontOptions = { loadSystemFonts: true, defaultFontFamily: FONT_FAMILY };
  return cachedFontOptions;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

function num(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function nodeToSvg(node: DesignNode, offsetX: number, offsetY: number, out: string[]): void {
  const x = offsetX + node.x;
  const y = offsetY + node.y;
  if (node.kind === 'frame') {
    if (node.fill !== undefined || node.stroke !== undefined) {
      const strokeWidth = node.strokeWidth ?? 1;
      const attrs = [
        `x="${num(x)}"`,
        `y="${num(y)}"`,
        `width="${num(node.width)}"`,
        `height="${num(node.height)}"`,
        node.radius !== undefined && node.radius > 0 ? `rx="${num(node.radius)}"` : '',
        `fill="${node.fill ?? 'none'}"`,
        node.stroke !== undefined && strokeWidth > 0
          ? `stroke="${node.stroke}" stroke-width="${num(strokeWidth)}"`
          : '',
      ].filter((a) => a.length > 0);
      out.push(`<rect ${attrs.join(' ')}/>`);
    }
  } else if (node.text !== undefined && node.text.length > 0) {
    const fontSize = node.fontSize ?? 12;
    const center = node.align === 'center';
    // Vertically centred on the box: the baseline sits about 0.36 em below the middle for DejaVu.
    const baseline = y + node.height / 2 + fontSize * 0.36;
    out.push(
      `<text x="${num(center ? x + node.width / 2 : x)}" y="${num(baseline)}" font-family="${FONT_FAMILY}" font-size="${num(fontSize)}"` +
        `${node.fontWeight === 'bold' ? ' font-weight="bold"' : ''}${center ? ' text-anchor="middle"' : ''} fill="${node.color ?? '#000000'}">` +
        `${escapeXml(node.text)}</text>`,
    );
  }
  for (const child of node.children ?? []) nodeToSvg(child, x, y, out);
}

/** SVG of a design tree on a canvas of the given size (default: the root's size). */
export function designToSvg(root: DesignNode, width = root.width, height = root.height): string {
  const out: string[] = [];
  nodeToSvg({ ...root, x: 0, y: 0 }, 0, 0, out);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}">${out.join('')}</svg>`;
}

/** Rasterises SVG to PNG bytes on a white background. */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: fontOptions(),
    background: '#ffffff',
    fitTo: { mode: 'original' },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

export function decodePng(png: Buffer): DecodedImage {
  const image = PNG.sync.read(png);
  return { width: image.width, height: image.height, data: image.data };
}

/** PNG bytes of decoded RGBA pixels (the validator's difference image). */
export function encodePng(image: DecodedImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  image.data.copy(png.data);
  return PNG.sync.write(png);
}

export interface RenderedDesign {
  png: Buffer;
  image: DecodedImage;
}

/** Renders a design tree to a PNG and its decoded pixels. `canvas` fixes the image size. */
export function renderDesign(
  root: DesignNode | undefined,
  canvas: { width: number; height: number },
): RenderedDesign {
  const svg =
    root === undefined
      ? designToSvg({ name: 'empty', kind: 'frame', x: 0, y: 0, ...canvas })
      : designToSvg(root, canvas.width, canvas.height);
  const png = svgToPng(svg);
  return { png, image: decodePng(png) };
}
