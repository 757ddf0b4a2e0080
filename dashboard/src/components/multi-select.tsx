/**
 * A labelled multi-select for one filter dimension: a button that opens a list of checkboxes
 * (native inputs, so Tab / Space work), "All" to clear. Escape or a click outside closes it.
 * Values selected in the URL but absent from the options stay listed, so they can be removed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { colorFor } from '../lib/colors';
import type { ColorKind } from '../lib/colors';

export interface MultiSelectProps {
  id: string;
  label: string;
  options: readonly string[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
  /** Colour swatches next to options (the colour the charts use for them). */
  colorKind?: ColorKind;
  /** Shown when there are no options (e.g. no data in the range). */
  disabledReason?: string;
}

export function summarize(selected: readonly string[], total: number): string {
  if (selected.length === 0) return 'All';
  if (selected.length === 1) return selected[0] as string;
  if (total > 0 && selected.length === total) return 'All (explicit)';
  return `${selected.length} selected`;
}

export function MultiSelect(p: MultiSelectProps) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const options = [...new Set([...p.options, ...p.selected])].sort();

  useEffect(() => {
    if (!open) return undefined;
    const onDoc = (e: MouseEvent): void => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDoc);
    document.addEventListener('keydown', onKey);
    // Focus the first checkbox so the list is keyboard reachable at once.
    root.current?.querySelector<HTMLInputElement>('.gs-ms-list input')?.focus();
    return () => {
      document.removeEventListener('mousedown', onDoc);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const toggle = (v: string): void => {
    const next = p.selected.includes(v) ? p.selected.filter((x) => x !== v) : [...p.selected, v];
    p.onChange(next.sort());
  };

  const listId = `${p.id}-list`;
  const disabled = options.length === 0;
  return (
    <div class="gs-ms" ref={root}>
      <span class="gs-field-label" id={`${p.id}-label`}>
        {p.label}
      </span>
      <button
        ref={button}
        type="button"
        id={p.id}
        class={`gs-ms-button ${p.selected.length ? 'gs-active' : ''}`}
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={listId}
        aria-labelledby={`${p.id}-label ${p.id}`}
        disabled={disabled}
        title={disabled ? p.disabledReason : p.selected.join(', ') || `All ${p.label.toLowerCase()}`}
        onClick={() => setOpen(!open)}
      >
        <span class="gs-ms-value">{summarize(p.selected, p.options.length)}</span>
        <span aria-hidden="true" class="gs-caret">
          ▾
        </span>
      </button>
      {open ? (
        <div class="gs-ms-pop" id={listId} role="group" aria-label={p.label}>
          <div class="gs-ms-actions">
            <button type="button" class="gs-link" onClick={() => p.onChange([])} disabled={p.selected.length === 0}>
              All
            </button>
            <button type="button" class="gs-link" onClick={() => p.onChange([...p.options].sort())}>
              Select every option
            </button>
          </div>
          <ul class="gs-ms-list">
            {options.map((o) => (
              <li key={o}>
                <label>
                  <input type="checkbox" checked={p.selected.includes(o)} onChange={() => toggle(o)} />
                  {p.colorKind ? <span class="gs-swatch" style={{ background: colorFor(p.colorKind, o) }} aria-hidden="true" /> : null}
                  <span>{o}</span>
                  {!p.options.includes(o) ? <span class="gs-muted"> (no data)</span> : null}
                </label>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
