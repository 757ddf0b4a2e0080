/**
 * Which Chromium the dashboard tests and the dashboard benchmark drive, on any machine, with
 * nothing downloaded: CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the headless build
 * that ships inside the @sparticuz/chromium npm package (a devDependency). That one is brotli-
 * compressed; it is unpacked with Node's zlib once into a cache directory (about 4 s), with its
 * SwiftShader libraries beside it, its fonts and a fontconfig file pointing at them, and its
 * Amazon Linux libraries, put on LD_LIBRARY_PATH only when the system lacks libexpat.
 *
 * GENSCOPE_SKIP_SYSTEM_CHROMIUM=1 skips /usr/bin/chromium (to test the fallback where Debian's
 * Chromium is installed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export interface ResolvedChromium {
  executablePath: string;
  /** Environment the browser process needs (fonts, libraries), merged over process.env. */
  env: Record<string, string>;
  /** Where it came from, for messages. */
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium';
}

/** Flags for headless runs in tests: no sandbox (containers run as root), nothing phones home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Regular files and directories of a (ustar / GNU) tar archive, written under dir. */
function untar(archive: Buffer, dir: string): void {
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const mode = parseInt(field(100, 8).trim() || '644', 8);
    const type = field(156, 1) || '0';
    const body = archive.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    const target = path.resolve(dir, name);
    // Archives cannot write outside dir.
    if (!target.startsWith(path.resolve(dir) + path.sep)) continue;
    if (type === '5') fs.mkdirSync(target, { recursive: true });
    else if (type === '0') {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, body, { mode });
    }
  }
}

function packageDir(): string | null {
  try {
    return path.dirname(require.resolve('@sparticuz/chromium/package.json'));
  } catch {
    return null;
  }
}

function cacheRoot(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && path.isAbsolute(xdg) ? path.join(xdg, 'genscope') : path.join(env.HOME || os.homedir(), '.cache', 'genscope');
}

function systemHasLibexpat(): boolean {
  return ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/lib64', '/usr/lib'].some(
    (d) => fs.existsSync(path.join(d, 'libexpat.so.1')),
  );
}

/** Unpacks the package's Chromium once into the cache; returns its directory. */
export function unpackSparticuzChromium(env: NodeJS.ProcessEnv = process.env): string {
  const pkg = packageDir();
  if (pkg === null) throw new Error('@sparticuz/chromium is not installed (npm install)');
  const version = (JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = path.join(cacheRoot(env), `chromium-${version}-${process.arch}`);
  if (fs.existsSync(path.join(dir, 'complete'))) return dir;
  // Unpacked into a private directory and renamed into place, so parallel test workers never
  // see half a browser.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  const bin = path.join(pkg, 'bin');
  const inflate = (file: string) => zlib.brotliDecompressSync(fs.readFileSync(path.join(bin, file)));
  fs.writeFileSync(path.join(tmp, 'chromium'), inflate('chromium.br'), { mode: 0o755 });
  for (const [archive, sub] of [
    ['swiftshader.tar.br', '.'],
    ['fonts.tar.br', 'fonts-pkg'],
    ['al2023.tar.br', 'al2023'],
  ] as const) {
    if (fs.existsSync(path.join(bin, archive))) untar(inflate(archive), path.join(tmp, sub));
  }
  // Its own fonts.conf names Lambda's paths; ours names the unpacked fonts (and the system's).
  fs.mkdirSync(path.join(tmp, 'fontconfig'), { recursive: true });
  fs.writeFileSync(
    path.join(tmp, 'fontconfig', 'fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${path.join(dir, 'fonts-pkg', 'fonts')}</dir>\n  <dir>/usr/share/fonts</dir>\n  <cachedir>${path.join(dir, 'fontconfig-cache')}</cachedir>\n</fontconfig>\n`,
  );
  fs.writeFileSync(path.join(tmp, 'complete'), `${version}\n`);
  try {
    fs.renameSync(tmp, dir);
  } catch {
    // Another worker got there first: use its copy.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The Chromium to launch (see the header for the order). Throws with the fix when there is none. */
export function resolveChromium(env: NodeJS.ProcessEnv = process.env): ResolvedChromium {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`);
    return { executablePath: env.CHROMIUM_PATH, env: {}, source: 'CHROMIUM_PATH' };
  }
  if (env.GENSCOPE_SKIP_SYSTEM_CHROMIUM !== '1' && fs.existsSync(SYSTEM_CHROMIUM))
    return { executablePath: SYSTEM_CHROMIUM, env: {}, source: 'system' };
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error('no Chromium: set CHROMIUM_PATH (the bundled @sparticuz/chromium build is for Linux x64)');
  const dir = unpackSparticuzChromium(env);
  const browserEnv: Record<string, string> = { FONTCONFIG_PATH: path.join(dir, 'fontconfig') };
  if (!systemHasLibexpat()) {
    const lib = path.join(dir, 'al2023', 'lib');
    browserEnv.LD_LIBRARY_PATH = env.LD_LIBRARY_PATH ? `${lib}:${env.LD_LIBRARY_PATH}` : lib;
  }
  return { executablePath: path.join(dir, 'chromium'), env: browserEnv, source: '@sparticuz/chromium' };
}
