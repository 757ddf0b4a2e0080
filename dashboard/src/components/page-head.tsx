/**
 * The head of a page other than the dashboard: the way back, the page's title (its id labels the
 * page's section) and, after it, any actions of the page.
 */
import type { ComponentChildren } from 'preact';

export function PageHead({
  id,
  title,
  children,
}: {
  id: string;
  title: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <div class="gs-page-head">
      <a class="gs-btn gs-btn-quiet" href="#" data-to-dashboard>
        ← Dashboard
      </a>
      <h2 id={id}>{title}</h2>
      {children}
    </div>
  );
}
