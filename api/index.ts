/**
 * api/: the genscope REST API. createApp builds the Express 5 app (read endpoints under /api/v1,
 * exports, OpenAPI document and reference page, optional ingest / alerts / static mounts);
 * startServer runs it on a port with graceful shutdown.
 */
export { createApp } from './app';
export type { CreateAppOptions } from './app';
export { startServer } from './server';
export type { StartServerOptions, ServerHandle } from './server';
export { apiConfigFromEnv, DEFAULT_MAX_BODY_BYTES, DEFAULT_EXACT_PERCENTILE_MAX_ROWS } from './config';
export type { ApiConfig } from './config';
export { HttpError, errorHandler, notFoundHandler, zodToHttpError } from './errors';
export { authGuard, requiredAccess } from './auth';
export { allowedHostNames, hostAllowList, CONTENT_SECURITY_POLICY } from './browser-guard';
export type { Access, AuthOptions } from './auth';
export { openApiDocument } from './openapi';
export { writeFixture, buildRun, prng, FIXTURE_COMPONENT_TYPES, FIXTURE_MODELS } from './test-fixtures';
export type { FixtureOptions, FixtureSummary } from './test-fixtures';
export { IngestGate } from './ingest-gate';
export type { IngestGateOptions, IngestGateStats } from './ingest-gate';
export { selfHealth, createHealthHandler } from './health';
export type { SelfHealth, HealthOptions } from './health';
