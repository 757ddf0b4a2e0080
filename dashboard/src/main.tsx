/**
 * Entry point of the dashboard bundle: styles (uPlot's and ours, bundled by esbuild into
 * app.css), theme before first paint, then the app. Requests carry the tab's API key when one was
 * entered; a 401 shows the key prompt above the app.
 */
import 'uplot/dist/uPlot.min.css';
import './styles/app.css';
import { render } from 'preact';
import { App } from './app';
import { KeyPrompt } from './components/key-prompt';
import { createApiClient } from './lib/api-client';
import { authHeaders, readApiKey } from './lib/api-key';
import { initTheme } from './lib/theme';
import { API_BASE, filterOptionsParams } from './lib/api-params';
import { parseViewState } from './lib/url-state';

initTheme();

let prompted = false;
function askForKey(message: string): void {
  if (prompted) return;
  prompted = true;
  const host = document.createElement('div');
  document.body.insertBefore(host, document.body.firstChild);
  render(<KeyPrompt message={message} />, host);
}

const client = createApiClient({ headers: () => authHeaders(), onUnauthorized: askForKey });

// Export links are plain downloads, which cannot carry a header: with a key, fetch the file with
// it and hand the browser the result.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a[data-export]');
  const key = readApiKey();
  if (!(a instanceof HTMLAnchorElement) || !key) return;
  e.preventDefault();
  fetch(a.href, { headers: authHeaders(key), cache: 'no-store' })
    .then(async (res) => {
      if (res.status === 401) return askForKey('the export was refused: the key is unknown or revoked');
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const url = URL.createObjectURL(await res.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = a.download || 'genscope-export';
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    })
    .catch((err: unknown) => alert(`Export failed: ${err instanceof Error ? err.message : String(err)}`));
});

// The filter options go out first: chart colours follow them, so charts wait for this small
// answer. The app's own request for the same URL shares this one while it is in flight.
client.get(`${API_BASE}/filters`, filterOptionsParams(parseViewState(location.search).filters)).catch(() => undefined);
const root = document.getElementById('app');
if (root) render(<App client={client} />, root);
