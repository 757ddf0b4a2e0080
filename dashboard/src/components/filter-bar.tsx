/**
 * The filter bar: time range (presets, or a custom from/to applied with a button), component
 * types, models, stages and services (multi-selects fed by /filters; services only when there are
 * several). Every control has a visible label
 * and is reachable by keyboard. Changing anything updates the URL (see app.tsx).
 */
import { useEffect, useState } from 'preact/hooks';
import type { FilterOptionsResponse } from '../../../schema/api';
import { MultiSelect } from './multi-select';
import { RANGE_PRESETS, isPresetKey, resolveRange } from '../lib/time-range';
import type { TimeRange } from '../lib/time-range';
import type { Filters } from '../lib/url-state';
import { fromDateTimeLocal, toDateTimeLocal } from '../lib/format';

export interface FilterBarProps {
  filters: Filters;
  options: FilterOptionsResponse | null;
  optionsError: string | null;
  onChange: (f: Filters) => void;
}

export function FilterBar({ filters, options, optionsError, onChange }: FilterBarProps) {
  const range = filters.range;
  const [custom, setCustom] = useState(range.kind === 'custom');
  const resolved = resolveRange(range, Date.now());
  const [fromText, setFromText] = useState(toDateTimeLocal(resolved.fromMs));
  const [toText, setToText] = useState(toDateTimeLocal(resolved.toMs));
  const [rangeError, setRangeError] = useState<string | null>(null);

  // Follow outside changes (URL navigation, zoom by dragging on a chart).
  useEffect(() => {
    setCustom(range.kind === 'custom');
    if (range.kind === 'custom') {
      setFromText(toDateTimeLocal(range.fromMs));
      setToText(toDateTimeLocal(range.toMs));
    }
  }, [range.kind === 'custom' ? `${range.fromMs}-${range.toMs}` : range.preset]);

  const setRange = (r: TimeRange): void => onChange({ ...filters, range: r });

  const onPreset = (v: string): void => {
    if (v === 'custom') {
      const now = resolveRange(range, Date.now());
      setFromText(toDateTimeLocal(now.fromMs));
      setToText(toDateTimeLocal(now.toMs));
      setCustom(true);
      return;
    }
    if (isPresetKey(v)) {
      setCustom(false);
      setRangeError(null);
      setRange({ kind: 'preset', preset: v });
    }
  };

  const applyCustom = (e: Event): void => {
    e.preventDefault();
    const from = fromDateTimeLocal(fromText);
    const to = fromDateTimeLocal(toText);
    if (from == null || to == null) return setRangeError('Enter both dates.');
    if (from >= to) return setRangeError('"From" must be before "to".');
    setRangeError(null);
    setRange({ kind: 'custom', fromMs: from, toMs: to });
  };

  const noOptions = optionsError ? `Filter options unavailable: ${optionsError}` : 'No data in the last 90 days';
  return (
    <form class="gs-filterbar" aria-label="Filters" onSubmit={applyCustom}>
      <div class="gs-field">
        <label class="gs-field-label" for="gs-range">
          Time range
        </label>
        <select id="gs-range" value={custom ? 'custom' : range.kind === 'preset' ? range.preset : 'custom'} onChange={(e) => onPreset((e.currentTarget as HTMLSelectElement).value)}>
          {RANGE_PRESETS.map((p) => (
            <option key={p.key} value={p.key}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </div>
      {custom ? (
        <div class="gs-custom-range">
          <div class="gs-field">
            <label class="gs-field-label" for="gs-from">
              From
            </label>
            <input id="gs-from" type="datetime-local" value={fromText} onInput={(e) => setFromText((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="gs-field">
            <label class="gs-field-label" for="gs-to">
              To
            </label>
            <input id="gs-to" type="datetime-local" value={toText} onInput={(e) => setToText((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <button type="submit" class="gs-btn gs-btn-primary">
            Apply
          </button>
          {rangeError ? (
            <span class="gs-error-text" role="alert">
              {rangeError}
            </span>
          ) : null}
        </div>
      ) : null}
      <MultiSelect
        id="gs-filter-type"
        label="Component types"
        options={options?.componentTypes ?? []}
        selected={filters.componentTypes}
        colorKind="type"
        disabledReason={noOptions}
        onChange={(v) => onChange({ ...filters, componentTypes: v })}
      />
      <MultiSelect
        id="gs-filter-model"
        label="Models"
        options={options?.models ?? []}
        selected={filters.models}
        colorKind="model"
        disabledReason={noOptions}
        onChange={(v) => onChange({ ...filters, models: v })}
      />
      <MultiSelect
        id="gs-filter-stage"
        label="Stages"
        options={options?.stages ?? []}
        selected={filters.stages}
        colorKind="stage"
        disabledReason={noOptions}
        onChange={(v) => onChange({ ...filters, stages: v })}
      />
      {/* One service (the usual single pipeline) needs no choice; shown again while one is selected. */}
      {(options?.services.length ?? 0) > 1 || filters.services.length > 0 ? (
        <MultiSelect
          id="gs-filter-service"
          label="Services"
          options={options?.services ?? []}
          selected={filters.services}
          disabledReason={noOptions}
          onChange={(v) => onChange({ ...filters, services: v })}
        />
      ) : null}
      {filters.componentTypes.length || filters.models.length || filters.stages.length || filters.services.length ? (
        <button type="button" class="gs-btn gs-btn-quiet" onClick={() => onChange({ ...filters, componentTypes: [], models: [], stages: [], services: [] })}>
          Clear filters
        </button>
      ) : null}
    </form>
  );
}
