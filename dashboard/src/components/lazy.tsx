/**
 * Panels below the fold load when scrolled near. `<Lazy>` wraps one panel: its Panel hands its
 * element to `observe`, and the panel's fetches are enabled (`near`) once that element is in the
 * viewport (or within NEAR_MARGIN_PX below it). Near is sticky: a panel once loaded keeps
 * refreshing like any other. Without IntersectionObserver, or outside a `<Lazy>`, everything is
 * near (the runs explorer and the type page load at once).
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

export interface LazyState {
  near: boolean;
  /**
   * Whether `near` is known: not before the first layout. Until then a panel counts as pending,
   * so the readiness signals cannot fire before the panels in view have even asked for data.
   */
  decided: boolean;
  /** Ref callback for the panel's outer element. */
  observe(el: Element | null): void;
}

const EAGER: LazyState = { near: true, decided: true, observe: () => undefined };
export const LazyCtx = createContext<LazyState>(EAGER);

export function useLazy(): LazyState {
  return useContext(LazyCtx);
}

const watched = new WeakMap<Element, () => void>();
let observer: IntersectionObserver | null = null;

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

/** Whether any of the element is in the viewport right now (no margin: what a load must draw). */
function inViewNow(el: Element): boolean {
  const r = el.getBoundingClientRect();
  return r.bottom > 0 && r.top < window.innerHeight;
}

export function Lazy({ children }: { children: ComponentChildren }) {
  const supported = typeof IntersectionObserver !== 'undefined';
  const [near, setNear] = useState(!supported);
  const [decided, setDecided] = useState(!supported);
  const el = useRef<Element | null>(null);
  const nearRef = useRef(near);
  nearRef.current = near;

  const stop = (): void => {
    if (el.current && observer) {
      observer.unobserve(el.current);
      watched.delete(el.current);
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
        el.current = next;
        if (!next || nearRef.current) return;
        watched.set(next, becomeNear);
        sharedObserver().observe(next);
      },
    [],
  );
  const state = useMemo<LazyState>(() => ({ near, decided, observe }), [near, decided]);
  // The first layout decides what is in view at navigation: those panels fetch in the next pass
  // instead of after the observer's first callback (a frame later); the rest wait for the observer.
  useLayoutEffect(() => {
    if (!nearRef.current && el.current && inViewNow(el.current)) becomeNear();
    setDecided(true);
    return stop;
  }, []);
  return <LazyCtx.Provider value={state}>{children}</LazyCtx.Provider>;
}
