/**
 * Writes from the dashboard (alert rules, the budget) on a server with keys need an admin key:
 * a refused write says so and offers to use one for this tab (lib/api-key.ts).
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../lib/api-client';
import { readApiKey, saveApiKey } from '../lib/api-key';

/** A write failed: the server's message, and whether a key (an admin key) would help. */
export interface WriteError {
  message: string;
  needsKey: boolean;
}

export function writeError(err: unknown, what: string): WriteError {
  if (err instanceof ApiError) {
    const needsKey = err.status === 401 || err.status === 403;
    return { message: needsKey ? `${err.message} — ${what} needs an admin key.` : err.message, needsKey };
  }
  return { message: err instanceof Error ? err.message : String(err), needsKey: false };
}

export function AdminKey({ onSaved }: { onSaved: () => void }) {
  const [value, setValue] = useState('');
  return (
    <span class="gs-key-inline">
      <label>
        Admin key{' '}
        <input type="password" autocomplete="off" spellcheck={false} value={value} placeholder="gsk_…" data-admin-key onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
      </label>{' '}
      <button
        type="button"
        class="gs-btn"
        disabled={!value.trim()}
        onClick={() => {
          // The same tab key every request sends (reads included): an admin key also reads.
          saveApiKey(value);
          onSaved();
        }}
      >
        Use key and retry
      </button>
      {readApiKey() ? <span class="gs-muted"> (replaces this tab's key)</span> : null}
    </span>
  );
}

