/**
 * The parts of the OpenAPI document that are not generated from schema/api's ENDPOINTS: the
 * alerts API, /health/self, OTLP ingest, and the security of every operation. Each operation's
 * security comes from requiredAccess() (api/auth.ts), the same function the guard runs, so the
 * document cannot drift from what the server enforces.
 */
import type { z } from 'zod';
import { AlertChangesQuery, AlertEventsQuery, AlertRuleInput, AlertStatesQuery } from '../schema/alerts';
import { BudgetSettingInput, BudgetSettingResponse } from '../schema/api';
import { requiredAccess } from './auth';
import { schemaOf } from './json-schema';

type JsonSchema = Record<string, unknown>;

const ERROR = { $ref: '#/components/schemas/ApiError' };
const json = (schema: JsonSchema, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const obj = (props: Record<string, JsonSchema>): JsonSchema => ({ type: 'object', properties: props, required: Object.keys(props) });

function queryOf(s: z.ZodType): JsonSchema[] {
  const props = (schemaOf(s, 'input').properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(props).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
}

const ID = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };
const errors = { '400': json(ERROR, 'Invalid parameter'), '404': json(ERROR, 'No such rule') };

/** The operations the generated part leaves out. */
function extraPaths(): Record<string, Record<string, JsonSchema>> {
  const rule = { type: 'object', description: 'An alert rule: its definition plus id, source, created and updated times' };
  const ruleBody = { required: true, content: { 'application/json': { schema: schemaOf(AlertRuleInput, 'input') } } };
  const otlp = (signal: string) => ({
    post: {
      summary: `OTLP/HTTP ${signal} ingest`,
      operationId: `ingest${signal[0]?.toUpperCase()}${signal.slice(1)}`,
      tags: ['ingest'],
      description:
        'application/x-protobuf or application/json, gzip or not, at most 16 MiB before and after gzip. ' +
        'Answers in the request\'s encoding. OTLP exporters send the key from OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer <key>".',
      requestBody: { required: true, content: { 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } }, 'application/json': { schema: { type: 'object' } } } },
      responses: {
        '200': { description: 'Stored (partial_success names what was rejected)' },
        '400': { description: 'Not a valid OTLP request' },
        '413': { description: 'Body or decoded size over the bounds' },
        '415': { description: 'Unsupported content type or encoding' },
        '503': { description: 'Busy: retry after Retry-After seconds' },
      },
    },
  });
  return {
    '/api/v1/health/self': {
      get: { summary: "The server's own health: writer, ingest queue, retention, process memory", operationId: 'healthSelf', tags: ['health'], responses: { '200': json({ type: 'object' }) } },
    },
    '/api/v1/alerts/rules': {
      get: { summary: 'Alert rules', operationId: 'alertRules', tags: ['alerts'], responses: { '200': json(obj({ rules: { type: 'array', items: rule } })) } },
      post: { summary: 'Create an alert rule', operationId: 'createAlertRule', tags: ['alerts'], requestBody: ruleBody, responses: { '201': json(obj({ rule }), 'Created'), '409': json(ERROR, 'A rule of that name exists'), ...errors } },
    },
    '/api/v1/alerts/rules/{id}': {
      get: { summary: 'One alert rule', operationId: 'alertRule', tags: ['alerts'], parameters: [ID], responses: { '200': json(obj({ rule })), ...errors } },
      put: { summary: 'Replace an alert rule', operationId: 'replaceAlertRule', tags: ['alerts'], parameters: [ID], requestBody: ruleBody, responses: { '200': json(obj({ rule })), ...errors } },
      patch: {
        summary: 'Change part of an alert rule (the merged rule is validated)',
        operationId: 'patchAlertRule',
        tags: ['alerts'],
        parameters: [ID],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: { '200': json(obj({ rule })), ...errors },
      },
      delete: { summary: 'Delete an alert rule', operationId: 'deleteAlertRule', tags: ['alerts'], parameters: [ID], responses: { '204': { description: 'Deleted' }, ...errors } },
    },
    '/api/v1/alerts/events': {
      get: { summary: 'Alert events (firing and resolved)', operationId: 'alertEvents', tags: ['alerts'], parameters: queryOf(AlertEventsQuery), responses: { '200': json(obj({ events: { type: 'array', items: { type: 'object' } } })), '400': errors['400'] } },
    },
    '/api/v1/alerts/firing': {
      get: { summary: 'Current alert states', operationId: 'alertStates', tags: ['alerts'], parameters: queryOf(AlertStatesQuery), responses: { '200': json(obj({ alerts: { type: 'array', items: { type: 'object' } } })), '400': errors['400'] } },
    },
    '/api/v1/alerts/changes': {
      get: { summary: 'Quality shifts, cost spikes and model switches by day', operationId: 'alertChanges', tags: ['alerts'], parameters: queryOf(AlertChangesQuery), responses: { '200': json({ type: 'object' }), '400': errors['400'] } },
    },
    '/api/v1/alerts/evaluate': {
      post: { summary: 'Run an alert evaluation pass now', operationId: 'evaluateAlerts', tags: ['alerts'], responses: { '200': json(obj({ evaluation: { type: 'object' }, deliveries: { type: 'array', items: { type: 'object' } } })) } },
    },
    '/api/v1/budget': {
      get: { summary: 'The stored monthly budget and who set it', operationId: 'budgetSetting', tags: ['cost'], responses: { '200': json(schemaOf(BudgetSettingResponse, 'output')) } },
      put: {
        summary: 'Set (or, with null, remove) the monthly budget for all model spend',
        operationId: 'setBudget',
        tags: ['cost'],
        description: 'Kept in the database across restarts; a --budget-usd or GENSCOPE_MONTHLY_BUDGET_USD given at start replaces it then.',
        requestBody: { required: true, content: { 'application/json': { schema: schemaOf(BudgetSettingInput, 'input') } } },
        responses: { '200': json(schemaOf(BudgetSettingResponse, 'output')), '400': errors['400'], '415': json(ERROR, 'Not application/json') },
      },
    },
    '/v1/traces': otlp('traces'),
    '/v1/metrics': otlp('metrics'),
    '/v1/logs': otlp('logs'),
  };
}

const SCOPE_TEXT = {
  read: 'Needs a read key (or admin) once any key exists, unless the server runs with --open-reads.',
  ingest: 'Needs an ingest key (or admin) once any key exists.',
  admin: 'Needs an admin key (or the --token) once any key exists.',
} as const;

/**
 * Adds the missing operations and, on every operation, `security` (none for public ones; the
 * bearer scheme with the scope as its role otherwise, as OpenAPI 3.1 allows) and the 401/403
 * answers. Mutates and returns `paths`.
 */
export function withAccess(paths: Record<string, unknown>): Record<string, unknown> {
  Object.assign(paths, extraPaths());
  const unauthorized = json(ERROR, 'No key, a wrong header form, or an unknown or revoked key');
  const forbidden = json(ERROR, 'The key has another scope');
  for (const [p, ops] of Object.entries(paths as Record<string, Record<string, Record<string, unknown>>>)) {
    // A concrete path for the check: templated segments are never one of the public names.
    const concrete = p.replace(/\{[^}]+\}/g, 'x');
    for (const [method, op] of Object.entries(ops)) {
      const access = requiredAccess(method, concrete);
      if (access === 'public') {
        op.security = [];
        continue;
      }
      op.security = [{ bearerKey: [access] }];
      op['x-genscope-scope'] = access;
      op.description = [op.description, SCOPE_TEXT[access]].filter(Boolean).join(' ');
      op.responses = { ...(op.responses as object), '401': unauthorized, '403': forbidden };
    }
  }
  return paths;
}

export const SECURITY_SCHEMES = {
  bearerKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A key from `genscope keys create --scope read|ingest|admin` (or the server --token, an admin key), as `Authorization: Bearer <key>`. ' +
      'No other header form is accepted. With no key and no token configured, the server is open.',
  },
} as const;
