/**
 * A run's artefacts in run detail: the reference, generated and difference renders side by side,
 * the code-quality checks as a table, and every text artefact (prompt, response, code) as escaped
 * text in a collapsible block. Contents are fetched with the tab's API key (an <img src> would
 * send none), images shown through blob: URLs (the CSP allows them), revoked on unmount.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ArtefactRow, RunArtefactsResponse } from '../../../schema/api';
import { ARTEFACT_NAME } from '../../../schema/names';
import { ApiError } from '../lib/api-client';
import type { ApiClient } from '../lib/api-client';
import { authHeaders } from '../lib/api-key';
import { API_BASE } from '../lib/api-params';
import { formatCount } from '../lib/format';
import { useApi, useFetcher } from '../lib/use-api';

const IMAGE_ORDER: string[] = [ARTEFACT_NAME.renderReference, ARTEFACT_NAME.renderGenerated, ARTEFACT_NAME.renderDiff];
const LABELS: Record<string, string> = {
  [ARTEFACT_NAME.renderReference]: 'Reference render',
  [ARTEFACT_NAME.renderGenerated]: 'Generated render',
  [ARTEFACT_NAME.renderDiff]: 'Pixel difference',
  [ARTEFACT_NAME.prompt]: 'Prompt',
  [ARTEFACT_NAME.response]: 'Model response',
  [ARTEFACT_NAME.code]: 'Generated code',
};

function artefactPath(runId: string, name: string): string {
  return `${API_BASE}/runs/${encodeURIComponent(runId)}/artefacts/${encodeURIComponent(name)}`;
}

async function fetchArtefact(client: ApiClient, runId: string, name: string, signal: AbortSignal): Promise<Blob> {
  const res = await fetch(client.url(artefactPath(runId, name)), { headers: authHeaders(), cache: 'no-store', signal });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    throw new ApiError(res.status, body?.error?.code ?? `http_${res.status}`, body?.error?.message ?? `artefact ${name}: HTTP ${res.status}`);
  }
  return res.blob();
}

function sizeOf(a: ArtefactRow): string {
  const size = `${formatCount(a.bytes)} bytes`;
  return a.truncated ? `${size}, truncated from ${formatCount(a.originalBytes)}` : size;
}

function ArtefactImage({ client, runId, a }: { client: ApiClient; runId: string; a: ArtefactRow }) {
  const blob = useFetcher<Blob>(`${runId}/${a.name}`, (signal) => fetchArtefact(client, runId, a.name, signal));
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob.data) return undefined;
    const u = URL.createObjectURL(blob.data);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [blob.data]);
  const label = LABELS[a.name] ?? a.name;
  return (
    <figure class="gs-artefact-image" data-artefact={a.name}>
      {url ? <img src={url} alt={label} /> : blob.error ? <p class="gs-muted">{blob.error.message}</p> : <p class="gs-muted">Loading…</p>}
      <figcaption>
        {label} <span class="gs-muted">({sizeOf(a)})</span>
      </figcaption>
    </figure>
  );
}

function ArtefactText({ client, runId, a, open }: { client: ApiClient; runId: string; a: ArtefactRow; open: boolean }) {
  const text = useFetcher<string>(`${runId}/${a.name}`, async (signal) => (await fetchArtefact(client, runId, a.name, signal)).text());
  return (
    <details class="gs-artefact-text" data-artefact={a.name} open={open}>
      <summary>
        {LABELS[a.name] ?? a.name} <span class="gs-muted">({a.mediaType}, {sizeOf(a)})</span>
      </summary>
      {text.data != null ? (
        <pre>
          <code>{text.data}</code>
        </pre>
      ) : (
        <p class="gs-muted">{text.error ? text.error.message : 'Loading…'}</p>
      )}
    </details>
  );
}

interface CheckRow {
  id: string;
  passed: boolean;
  weight: number;
  detail: string;
}

function isChecks(v: unknown): v is { score: number; checks: CheckRow[] } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { checks?: unknown }).checks);
}

function CodeQualityChecks({ client, runId }: { client: ApiClient; runId: string }) {
  const checks = useFetcher<unknown>(`${runId}/${ARTEFACT_NAME.codeQuality}`, async (signal) =>
    JSON.parse(await (await fetchArtefact(client, runId, ARTEFACT_NAME.codeQuality, signal)).text()) as unknown,
  );
  if (checks.error) return <p class="gs-muted">{checks.error.message}</p>;
  if (!isChecks(checks.data)) return null;
  return (
    <table class="gs-table gs-artefact-checks" data-artefact={ARTEFACT_NAME.codeQuality}>
      <caption>Code-quality checks</caption>
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Result</th>
          <th scope="col">Weight</th>
          <th scope="col">Finding</th>
        </tr>
      </thead>
      <tbody>
        {checks.data.checks.map((c) => (
          <tr key={c.id} data-check={c.id} data-passed={String(c.passed)}>
            <td>{c.id}</td>
            <td>{c.passed ? 'passed' : 'failed'}</td>
            <td>{c.weight}</td>
            <td>{c.detail || '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The artefacts section of run detail. */
export function RunArtefacts({ client, runId }: { client: ApiClient; runId: string }) {
  const list = useApi<RunArtefactsResponse>(client, `${API_BASE}/runs/${encodeURIComponent(runId)}/artefacts`, {}, { priority: 'low' });
  let body;
  if (list.error) body = <p class="gs-muted">{list.error.message}</p>;
  else if (!list.data || list.stale) body = <p class="gs-muted">Loading artefacts…</p>;
  else if (list.data.artefacts.length === 0)
    body = (
      <p class="gs-muted" data-artefacts-empty>
        No artefacts recorded for this run.
      </p>
    );
  else {
    const all = list.data.artefacts;
    const images = all.filter((a) => a.kind === 'image').sort((x, y) => rank(x.name) - rank(y.name));
    const texts = all.filter((a) => a.kind === 'text' && a.name !== ARTEFACT_NAME.codeQuality);
    const hasChecks = all.some((a) => a.name === ARTEFACT_NAME.codeQuality);
    const others = all.filter((a) => a.kind === 'binary');
    body = (
      <>
        {images.length > 0 ? (
          <div class="gs-artefact-images">
            {images.map((a) => (
              <ArtefactImage key={a.name} client={client} runId={runId} a={a} />
            ))}
          </div>
        ) : null}
        {hasChecks ? <CodeQualityChecks client={client} runId={runId} /> : null}
        {texts.map((a) => (
          <ArtefactText key={a.name} client={client} runId={runId} a={a} open={a.name === ARTEFACT_NAME.code} />
        ))}
        {others.map((a) => (
          <p key={a.name} class="gs-muted" data-artefact={a.name}>
            {a.name}: {a.mediaType}, {sizeOf(a)}
          </p>
        ))}
      </>
    );
  }
  return (
    <section class="gs-artefacts" aria-label="Artefacts" data-artefacts={runId}>
      <h3>Artefacts</h3>
      {body}
    </section>
  );
}

function rank(name: string): number {
  const i = IMAGE_ORDER.indexOf(name);
  return i < 0 ? IMAGE_ORDER.length : i;
}
