/**
 * Panels below the fold load when scrolled near. `<Lazy>` wraps one panel: its Panel hands its
 * element to `observe`, and the panel's fetches are enabled (`near`) once that element is in the
 * viewport (or within NEAR_MARGIN_PX below it). Near is sticky: a panel once loaded keeps its
 * data and refetches on a filter change. `visible` is not sticky: whether the panel is on screen
 * (within VISIBLE_MARGIN_PX) right now; live ticks refresh only visible panels, and a panel that
 * comes back on screen with data older than the current tick refetches at once (lib/use-api.ts).
 * `<Lazy eager>` is near from the start and only tracks `visible` (the KPI strip). Without
 * IntersectionObserver, or outside a `<Lazy>`, everything is near and visible (the runs explorer
 * and the type page load at once and refresh on every tick).
 */
import { createContext } from 'preact';
import type { ComponentChildren } from 'preact';
import { useContext, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';

/**
 * How far below the viewport a panel starts loading. None: a margin would load, at navigation,
 * the row just below the fold too (the observer's first callback), and a slow panel there holds
 * up the server (one SQLite connection answers in turn) while the panels in view wait.
 */
export const NEAR_MARGIN_PX = 0;

/**
 * How far outside the viewport (above or below) a panel still counts as visible for the live
 * refresh. None: what is refreshed is what is on screen; a panel scrolled into view with older
 * data refetches at once.
 */
export const VISIBLE_MARGIN_PX = 0;

export interface LazyState {
  near: boolean;
  /** On screen now (not sticky): live ticks refresh the panel only while it is. */
  visible: boolean;
  /**
   * Whether `near` is known: not before the first layout. Until then a panel counts as pending,
   * so the readiness signals cannot fire before the panels in view have even asked for data.
   */
  decided: boolean;
  /** Ref callback for the panel's outer element. */
  observe(el: Element | null): void;
}

const EAGER: LazyState = { near: true, visible: true, decided: true, observe: () => undefined };
export const LazyCtx = createContext<LazyState>(EAGER);

export function useLazy(): LazyState {
  return useContext(LazyCtx);
}

const watched = new WeakMap<Element, () => void>();
let observer: IntersectionObserver | null = null;
const tracked = new WeakMap<Element, (visible: boolean) => void>();
let visibilityObserver: IntersectionObserver | null = null;

function sharedObserver(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const cb = watched.get(e.target);
        if (cb) cb();
      }
    },
    { rootMargin: `0px 0px ${NEAR_MARGIN_PX}px 0px` },
  );
  return observer;
}

function sharedVisibilityObserver(): IntersectionObserver {
  visibilityObserver ??= new IntersectionObserver(
    (entries) => {
      // A panel only touching the viewport's edge (zero area) is not on screen.
      for (const e of entries) tracked.get(e.target)?.(e.isIntersecting && e.intersectionRatio > 0);
    },
    { rootMargin: `${VISIBLE_MARGIN_PX}px 0px ${VISIBLE_MARGIN_PX}px 0px` },
  );
  return visibilityObserver;
}

/** Whether any of the element is in the viewport right now (no margin: what a load must draw). */
function inViewNow(el: Element): boolean {
  const r = el.getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight;
}

export function Lazy({ children, eager = false }: { children: ComponentChildren; eager?: boolean }) {
  const supported = typeof IntersectionObserver !== 'undefined';
  const [near, setNear] = useState(!supported || eager);
  const [decided, setDecided] = useState(!supported || eager);
  const [visible, setVisible] = useState(!supported || eager);
  const el = useRef<Element | null>(null);
  const nearRef = useRef(near);
  nearRef.current = near;

  const stop = (): void => {
    if (el.current && observer) {
      observer.unobserve(el.current);
      watched.delete(el.current);
    }
  };
  const untrack = (): void => {
    if (el.current && visibilityObserver) {
      visibilityObserver.unobserve(el.current);
      tracked.delete(el.current);
    }
  };
  const becomeNear = (): void => {
    stop();
    setNear(true);
  };
  // Stable, so Preact does not detach and re-attach the ref on every render.
  const observe = useMemo(
    () =>
      (next: Element | null): void => {
        if (next === el.current) return;
        stop();
        untrack();
        el.current = next;
        if (!next || !supported) return;
        tracked.set(next, setVisible);
        sharedVisibilityObserver().observe(next);
        if (nearRef.current) return;
        watched.set(next, becomeNear);
        sharedObserver().observe(next);
      },
    [],
  );
  const state = useMemo<LazyState>(() => ({ near, visible, decided, observe }), [near, visible, decided]);
  // The first layout decides what is in view at navigation: those panels fetch in the next pass
  // instead of after the observer's first callback (a frame later); the rest wait for the observer.
  useLayoutEffect(() => {
    const inView = el.current != null && inViewNow(el.current);
    if (!nearRef.current && inView) becomeNear();
    if (supported && el.current) setVisible(inView);
    setDecided(true);
    return () => {
      stop();
      untrack();
    };
  }, []);
  return <LazyCtx.Provider value={state}>{children}</LazyCtx.Provider>;
}
