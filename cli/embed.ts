/**
 * `genscope/server`: running genscope inside your own process. startGenscopeServer is what
 * `genscope serve` runs (REST API, OTLP ingest, alerts, retention, the built dashboard);
 * createApp/startServer are the bare REST API over a database you open with openDatabase.
 */
export { startGenscopeServer } from './serve';
export type { ServeOptions, RunningServer } from './serve';
export { createApp, startServer } from '../api';
export type { CreateAppOptions, StartServerOptions, ServerHandle } from '../api';
export { openDatabase } from '../store';
export type { Db, OpenDatabaseOptions } from '../store';
export { defaultDbPath, resolveDbPath } from '../instrumentation';
