/**
 * The OpenAPI 3.1 document of the REST API, generated from the zod schemas of schema/api (zod 4's
 * z.toJSONSchema): every GET endpoint with its query parameters and response shape, the exports,
 * and the shared error shape. Built once per process.
 */
import type { z } from 'zod';
import {
  ApiError,
  ENDPOINTS,
  EXPORT_COLUMNS,
  EXPORT_DATASETS,
  EXPORT_FORMATS,
  ExportQuery,
  PANEL_EXPORT_FORMATS,
  PANEL_IDS,
  PANELS,
} from '../schema/api';
import { schemaOf } from './json-schema';
import { SECURITY_SCHEMES, withAccess } from './openapi-access';

type JsonSchema = Record<string, unknown>;

function queryParameters(s: z.ZodType | null): JsonSchema[] {
  if (!s) return [];
  const js = schemaOf(s, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: false,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
      ...(rest.anyOf ? { style: 'form', explode: true } : {}),
    };
  });
}

function componentName(path: string): string {
  return path
    .split(/[/{}-]+/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}

const errorResponses = {
  '400': { description: 'Invalid parameter', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } },
  '500': { description: 'Internal error (no details are disclosed)', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } },
};

let cached: JsonSchema | null = null;

export function openApiDocument(): JsonSchema {
  if (cached) return cached;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { ApiError: schemaOf(ApiError, 'output') };
  const panelOf = new Map(Object.entries(PANELS).map(([id, path]) => [path as string, id]));
  for (const [path, e] of Object.entries(ENDPOINTS)) {
    const name = `${componentName(path) || 'Root'}Response`;
    schemas[name] = schemaOf(e.response, 'output');
    const params = queryParameters(e.query);
    if (path.startsWith('/runs/{id}')) params.unshift({ name: 'id', in: 'path', required: true, description: 'Run id (the `id` of a runs list row)', schema: { type: 'string', pattern: '^\\d{1,15}$' } });
    const panel = panelOf.get(path);
    paths[`/api/v1${path}`] = {
      get: {
        summary: e.summary,
        operationId: componentName(path) || 'root',
        tags: [path.split('/')[1] ?? 'api'],
        ...(panel ? { description: `Panel \`${panel}\`: also exportable at /api/v1/export/panel/${panel}.{csv,json}.` } : {}),
        parameters: params,
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } },
          ...(path.startsWith('/runs/{id}') ? { '404': { description: 'No such run', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } } } : {}),
          ...errorResponses,
        },
      },
    };
  }
  paths['/api/v1/export/{dataset}.{format}'] = {
    get: {
      summary: 'Export stored rows (streamed)',
      operationId: 'exportDataset',
      tags: ['export'],
      description: `Columns per dataset: ${Object.entries(EXPORT_COLUMNS)
        .map(([d, cols]) => `${d}: ${cols.join(', ')}`)
        .join('; ')}. Times are epoch ms. Rows are in time order.`,
      parameters: [
        { name: 'dataset', in: 'path', required: true, schema: { type: 'string', enum: [...EXPORT_DATASETS] } },
        { name: 'format', in: 'path', required: true, schema: { type: 'string', enum: [...EXPORT_FORMATS] } },
        ...queryParameters(ExportQuery),
      ],
      responses: {
        '200': {
          description: 'The rows',
          content: {
            'text/csv': { schema: { type: 'string' } },
            'application/json': { schema: { type: 'array', items: { type: 'object' } } },
            'application/x-ndjson': { schema: { type: 'string' } },
          },
        },
        ...errorResponses,
      },
    },
  };
  paths['/api/v1/export/panel/{panel}.{format}'] = {
    get: {
      summary: "Export one panel's data",
      operationId: 'exportPanel',
      tags: ['export'],
      description: 'Takes the query parameters of the panel endpoint. csv: a table (one row per time bucket or group); json: the panel response.',
      parameters: [
        { name: 'panel', in: 'path', required: true, schema: { type: 'string', enum: [...PANEL_IDS] } },
        { name: 'format', in: 'path', required: true, schema: { type: 'string', enum: [...PANEL_EXPORT_FORMATS] } },
      ],
      responses: {
        '200': { description: 'The panel data', content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } } },
        ...errorResponses,
      },
    },
  };
  paths['/api/v1/runs/{id}/artefacts/{name}'] = {
    get: {
      summary: "One artefact's content as recorded (text, JSON or PNG), its media type as Content-Type",
      operationId: 'runsIdArtefactsName',
      tags: ['runs'],
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'Run id (the `id` of a runs list row)', schema: { type: 'string', pattern: '^\\d{1,15}$' } },
        { name: 'name', in: 'path', required: true, description: 'Artefact name (see /runs/{id}/artefacts)', schema: { type: 'string', minLength: 1, maxLength: 200 } },
      ],
      responses: {
        '200': { description: 'The content', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } },
        '404': { description: 'No such run, or the run has no artefact of that name (the message names what is missing)', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } } },
        ...errorResponses,
      },
    },
  };
  paths['/api/v1/openapi.json'] = {
    get: { summary: 'This document', operationId: 'openapi', tags: ['docs'], responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'genscope API',
      version: '1',
      description:
        'Read API of genscope: quality, performance, cost and trend panels as chart-ready columns (t in epoch ms), runs, exports. ' +
        'Every parameter has a default, except the two sides of /compare. Access: once any key exists (genscope keys create) or the server has a --token, ' +
        'reads need a read key (unless --open-reads), OTLP ingest (POST /v1/traces, /v1/metrics, /v1/logs) an ingest key and writes an admin key, ' +
        'always as `Authorization: Bearer <key>`; each operation names its scope in `security`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: withAccess(paths),
    components: {
      schemas,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
  return cached;
}
