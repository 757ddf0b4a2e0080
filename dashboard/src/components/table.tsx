/**
 * A compact, sortable table of columnar or row data. Header buttons sort (keyboard: Tab + Enter);
 * rows can be activated (click, Enter or Space) when onRowClick is given, e.g. to open a run.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export interface Column<R> {
  key: string;
  label: string;
  /** Sort value; omit to make the column unsortable. */
  sortValue?: (row: R) => number | string | null;
  render: (row: R) => ComponentChildren;
  align?: 'left' | 'right';
  /** Title attribute of the header (what the column means, its unit). */
  title?: string;
}

export interface TableProps<R> {
  columns: Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  onRowClick?: (row: R) => void;
  /** Key of the highlighted row (e.g. the open run). */
  selectedKey?: string | null;
  initialSort?: { key: string; dir: 'asc' | 'desc' };
  caption: string;
  /** Rows taller than this scroll inside the table. */
  maxHeightPx?: number;
}

export function Table<R>(p: TableProps<R>) {
  const [sort, setSort] = useState(p.initialSort ?? null);
  const rows = useMemo(() => {
    if (!sort) return p.rows;
    const col = p.columns.find((c) => c.key === sort.key);
    if (!col?.sortValue) return p.rows;
    const sv = col.sortValue;
    const dir = sort.dir === 'asc' ? 1 : -1;
    return [...p.rows].sort((a, b) => {
      const x = sv(a);
      const y = sv(b);
      if (x == null && y == null) return 0;
      if (x == null) return 1; // missing values last in both directions
      if (y == null) return -1;
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  }, [p.rows, p.columns, sort]);

  const clickable = !!p.onRowClick;
  return (
    <div class="gs-table-wrap" style={p.maxHeightPx ? { maxHeight: `${p.maxHeightPx}px` } : undefined}>
      <table class="gs-table">
        <caption class="gs-sr-only">{p.caption}</caption>
        <thead>
          <tr>
            {p.columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort?.dir === 'asc' ? 'ascending' : 'descending') : 'none';
              return (
                <th key={c.key} scope="col" class={c.align === 'right' ? 'num' : undefined} aria-sort={c.sortValue ? ariaSort : undefined} title={c.title}>
                  {c.sortValue ? (
                    <button
                      type="button"
                      class="gs-sort"
                      onClick={() => setSort({ key: c.key, dir: active && sort?.dir === 'desc' ? 'asc' : 'desc' })}
                    >
                      {c.label}
                      <span aria-hidden="true">{active ? (sort?.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const key = p.rowKey(r);
            return (
              <tr
                key={key}
                class={`${clickable ? 'gs-row-click' : ''} ${p.selectedKey === key ? 'gs-row-selected' : ''}`}
                tabIndex={clickable ? 0 : undefined}
                onClick={clickable ? () => p.onRowClick?.(r) : undefined}
                onKeyDown={
                  clickable
                    ? (e: KeyboardEvent) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          p.onRowClick?.(r);
                        }
                      }
                    : undefined
                }
                aria-selected={clickable ? p.selectedKey === key : undefined}
              >
                {p.columns.map((c) => (
                  <td key={c.key} class={c.align === 'right' ? 'num' : undefined}>
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
