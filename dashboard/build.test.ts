/**
 * The dashboard build (scripts/build-dashboard.js): static files only, everything local, uPlot's
 * stylesheet bundled, assets referenced with content hashes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The build script is plain CommonJS (it runs before and without the TypeScript build).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildDashboard } = require('../scripts/build-dashboard.js') as {
  buildDashboard(o: { outDir: string; quiet: boolean }): Promise<{ outDir: string; files: Record<string, number> }>;
};

describe('dashboard build', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'genscope-dash-'));
    await buildDashboard({ outDir, quiet: true });
  });
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('writes index.html, app.js and app.css', () => {
    for (const f of ['index.html', 'app.js', 'app.css']) expect(fs.statSync(path.join(outDir, f)).size).toBeGreaterThan(100);
  });

  it('references only local, content-hashed assets (no CDN)', () => {
    const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
    expect(html).toMatch(/href="\.\/app\.css\?v=[0-9a-f]{12}"/);
    expect(html).toMatch(/src="\.\/app\.js\?v=[0-9a-f]{12}"/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const css = fs.readFileSync(path.join(outDir, 'app.css'), 'utf8');
    expect(css).not.toMatch(/@import|url\((['"])?(https?:)?\/\//);
  });

  it("bundles uPlot's stylesheet with ours", () => {
    const css = fs.readFileSync(path.join(outDir, 'app.css'), 'utf8');
    expect(css).toContain('.u-legend');
    expect(css).toContain('.gs-panel');
  });

  it('bundles Preact and uPlot into the script (no module imports left)', () => {
    const js = fs.readFileSync(path.join(outDir, 'app.js'), 'utf8');
    expect(js).not.toMatch(/\brequire\(|^import\s|\bimport\(/m);
    expect(js).toContain('u-over'); // uPlot's DOM class
  });
});
