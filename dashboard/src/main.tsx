/**
 * Entry point of the dashboard bundle: styles (uPlot's and ours, bundled by esbuild into
 * app.css), theme before first paint, then the app.
 */
import 'uplot/dist/uPlot.min.css';
import './styles/app.css';
import { render } from 'preact';
import { App } from './app';
import { createApiClient } from './lib/api-client';
import { initTheme } from './lib/theme';
import { API_BASE, filterOptionsParams } from './lib/api-params';
import { parseViewState } from './lib/url-state';

initTheme();
const client = createApiClient();
// The filter options go out first: chart colours follow them, so charts wait for this small
// answer. The app's own request for the same URL shares this one while it is in flight.
client.get(`${API_BASE}/filters`, filterOptionsParams(parseViewState(location.search).filters)).catch(() => undefined);
const root = document.getElementById('app');
if (root) render(<App client={client} />, root);
