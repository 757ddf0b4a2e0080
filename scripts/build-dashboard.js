#!/usr/bin/env node
'use strict';
/**
 * Builds the dashboard into static files: dashboard/dist/{index.html, app.js, app.css, theme.js}.
 * esbuild bundles dashboard/src/main.tsx (Preact + uPlot + our code) into one minified script and
 * its CSS imports (uPlot's stylesheet and ours) into one stylesheet; nothing is loaded from a CDN.
 * index.html gets content hashes as query strings so a rebuilt bundle is never served stale.
 *
 * Usage: node scripts/build-dashboard.js [--dev]   (--dev: no minification, inline source maps)
 * Also usable from code: require('./scripts/build-dashboard.js').buildDashboard({ outDir, dev })
 */
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DASHBOARD = path.join(ROOT, 'dashboard');

function hashOf(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 12);
}

/**
 * @param {{ outDir?: string, dev?: boolean, quiet?: boolean }} [options]
 * @returns {Promise<{ outDir: string, files: Record<string, number>, millis: number }>}
 */
async function buildDashboard(options = {}) {
  const esbuild = require('esbuild');
  const started = Date.now();
  const outDir = path.resolve(options.outDir ?? path.join(DASHBOARD, 'dist'));
  const dev = options.dev === true;
  fs.mkdirSync(outDir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { app: path.join(DASHBOARD, 'src', 'main.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: !dev,
    sourcemap: dev ? 'inline' : false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
    // Only local files: the bundle must not reference anything outside node_modules and dashboard/.
    loader: { '.css': 'css' },
  });
  for (const w of result.warnings) console.warn(`dashboard build warning: ${w.text}`);

  const jsFile = path.join(outDir, 'app.js');
  const cssFile = path.join(outDir, 'app.css');
  if (!fs.existsSync(jsFile) || !fs.existsSync(cssFile)) throw new Error('dashboard build did not produce app.js and app.css');
  // The theme boot script stays a separate, unbundled file: it must run before first paint.
  fs.copyFileSync(path.join(DASHBOARD, 'theme-boot.js'), path.join(outDir, 'theme.js'));
  const html = fs
    .readFileSync(path.join(DASHBOARD, 'index.html'), 'utf8')
    .replace('%THEME_HASH%', hashOf(path.join(outDir, 'theme.js')))
    .replace('%CSS_HASH%', hashOf(cssFile))
    .replace('%JS_HASH%', hashOf(jsFile));
  fs.writeFileSync(path.join(outDir, 'index.html'), html);

  const files = {};
  for (const f of ['index.html', 'app.js', 'app.css', 'theme.js']) files[f] = fs.statSync(path.join(outDir, f)).size;
  const millis = Date.now() - started;
  if (!options.quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
    console.log(`dashboard: ${path.relative(ROOT, outDir) || outDir} (app.js ${kb(files['app.js'])}, app.css ${kb(files['app.css'])}) in ${millis} ms`);
  }
  return { outDir, files, millis };
}

module.exports = { buildDashboard };

if (require.main === module) {
  const dev = process.argv.includes('--dev');
  buildDashboard({ dev }).catch((err) => {
    const errors = err && Array.isArray(err.errors) ? err.errors : null;
    if (errors) for (const e of errors) console.error(`dashboard build error: ${e.text}${e.location ? ` (${e.location.file}:${e.location.line})` : ''}`);
    else console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
