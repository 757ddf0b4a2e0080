/**
 * Running the app on a real port: listen, report the URL, and close gracefully (stop accepting,
 * let requests in flight finish, then end idle keep-alive sockets; force after a timeout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Db } from '../store';
import { createApp } from './app';
import type { CreateAppOptions } from './app';
import type { ApiConfig } from './config';

export interface StartServerOptions extends Omit<CreateAppOptions, 'db' | 'config'> {
  db: Db;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  config?: ApiConfig;
  /** How long close() waits for requests in flight before cutting connections (default 5000). */
  shutdownTimeoutMillis?: number;
}

export interface ServerHandle {
  /** e.g. http://127.0.0.1:4318 */
  url: string;
  host: string;
  port: number;
  server: http.Server;
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>;
}

export function startServer(options: StartServerOptions): Promise<ServerHandle> {
  const { host = '127.0.0.1', port = 0, shutdownTimeoutMillis = 5000, ...appOptions } = options;
  const app = createApp(appOptions);
  const server = http.createServer(app);
  // Slow or stalled clients cannot hold the server: bounded header and request times.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address() as AddressInfo;
      const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      let closing: Promise<void> | null = null;
      resolve({
        url: `http://${shownHost}:${addr.port}`,
        host: addr.address,
        port: addr.port,
        server,
        close() {
          if (closing) return closing;
          closing = new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), shutdownTimeoutMillis);
            force.unref();
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}
