/**
 * Asks for an API key when the server answers 401: a server with keys serves its data only to a
 * read key (unless it runs with --open-reads). The key goes to sessionStorage (lib/api-key.ts) and
 * the page reloads, so every panel asks again with it.
 */
import { useState } from 'preact/hooks';
import { readApiKey, saveApiKey } from '../lib/api-key';

export function KeyPrompt(props: { message: string }) {
  const [value, setValue] = useState('');
  const hadKey = readApiKey() !== null;
  const submit = (e: Event): void => {
    e.preventDefault();
    saveApiKey(value);
    location.reload();
  };
  return (
    <form class="gs-banner gs-key-prompt" aria-labelledby="gs-key-title" onSubmit={submit}>
      <strong id="gs-key-title">{hadKey ? 'The API key was refused.' : 'This genscope server needs an API key.'}</strong>{' '}
      <span>{props.message}.</span>{' '}
      <label>
        Key{' '}
        <input
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          placeholder="gsk_…"
          required
        />
      </label>{' '}
      <button class="gs-btn" type="submit">
        Use key
      </button>
      {hadKey ? (
        <button
          class="gs-btn"
          type="button"
          onClick={() => {
            saveApiKey(null);
            location.reload();
          }}
        >
          Forget key
        </button>
      ) : null}
      <span class="gs-key-note"> Kept for this tab only (sessionStorage). Create one with <code>genscope keys create --scope read</code>.</span>
    </form>
  );
}
