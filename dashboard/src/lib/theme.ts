/**
 * Light / dark theme: follows prefers-color-scheme unless the person picked one with the toggle
 * (remembered in localStorage). The resolved theme is set as data-theme on <html>; CSS variables
 * do the rest. Canvas charts cannot use CSS variables, so they read the resolved colours through
 * chartTheme(), and redraw when onThemeChange fires.
 */

export type ThemeMode = 'auto' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

const STORAGE_KEY = 'genscope.theme';

export interface ChartTheme {
  axis: string;
  grid: string;
  text: string;
  muted: string;
  surface: string;
  font: string;
  labelFont: string;
}

let cached: ChartTheme | null = null;
const listeners = new Set<() => void>();

export function readThemeMode(): ThemeMode {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto'; // storage disabled: follow the system
  }
}

function systemPrefersDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

export function resolveTheme(mode: ThemeMode): ResolvedTheme {
  if (mode === 'auto') return systemPrefersDark() ? 'dark' : 'light';
  return mode;
}

export function applyThemeMode(mode: ThemeMode): void {
  try {
    if (mode === 'auto') localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, mode);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
  const resolved = resolveTheme(mode);
  const root = document.documentElement;
  root.dataset.themeMode = mode;
  if (root.dataset.theme !== resolved) {
    root.dataset.theme = resolved;
    cached = null;
    for (const l of listeners) l();
  }
}

/** Sets the theme from storage and follows system changes while in auto mode. Call once at start. */
export function initTheme(): void {
  applyThemeMode(readThemeMode());
  if (typeof matchMedia === 'function') {
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
      if (readThemeMode() === 'auto') applyThemeMode('auto');
    });
  }
}

export function onThemeChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function chartTheme(): ChartTheme {
  if (cached) return cached;
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string): string => cs.getPropertyValue(name).trim() || fallback;
  const family = v('--font-sans', 'system-ui, sans-serif');
  cached = {
    axis: v('--chart-axis', '#6b7280'),
    grid: v('--chart-grid', 'rgba(128,128,128,0.15)'),
    text: v('--text', '#111827'),
    muted: v('--text-muted', '#6b7280'),
    surface: v('--surface', '#ffffff'),
    font: `11px ${family}`,
    labelFont: `600 11px ${family}`,
  };
  return cached;
}
