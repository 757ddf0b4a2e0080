/**
 * Running the app on a real port: listen, report the URL, and close gracefully (stop accepting,
 * let requests in flight finish, then end idle keep-alive sockets; force after a timeout).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { CreateAppOptions } from './app';
import type { ApiConfig } from './config';

export interface StartServerOptions extends Omit<CreateAppOptions, 'config'> {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  config?: ApiConfig;
  /** How long close() waits for requests in flight before cutting connections (default 5000). */
  shutdownTimeoutMillis?: number;
  /** Connection bounds and timeouts (defaults in DEFAULT_CONNECTION_LIMITS). */
  connections?: Partial<ConnectionLimits>;
}

/**
 * What one client can hold. Every connection costs a file descriptor: silent sockets, half-sent
 * request lines and idle keep-alives are all cut after a bounded time, and past maxConnections new
 * connections are closed at once, so the process never runs out of descriptors for its database.
 */
export interface ConnectionLimits {
  /** Time to receive the complete request headers (slowloris). */
  headersTimeoutMillis: number;
  /** Time to receive the complete request, body included. */
  requestTimeoutMillis: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMillis: number;
  /** A socket with no traffic either way is closed after this long (a silent client). */
  socketIdleTimeoutMillis: number;
  /** How often the server checks the header and request timeouts (Node checks on an interval). */
  timeoutCheckIntervalMillis: number;
  /** Open connections at most (default: 1024, or fewer when the descriptor limit is lower). */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  headersTimeoutMillis: 10_000,
  requestTimeoutMillis: 120_000,
  keepAliveTimeoutMillis: 5_000,
  socketIdleTimeoutMillis: 30_000,
  timeoutCheckIntervalMillis: 1_000,
  maxConnections: 1024,
});

/** The soft limit on open files (Linux /proc), or null where it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** maxConnections that leaves descriptors for the database, WAL, workers and logs. */
export function connectionCap(requested: number, fdLimit: number | null = openFileLimit()): number {
  if (fdLimit === null) return requested;
  return Math.max(8, Math.min(requested, fdLimit - 64));
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
  const { host = '127.0.0.1', port = 0, shutdownTimeoutMillis = 5000, connections, ...appOptions } = options;
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...connections };
  const app = createApp(appOptions);
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMillis,
      requestTimeout: limits.requestTimeoutMillis,
      keepAliveTimeout: limits.keepAliveTimeoutMillis,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMillis,
    },
    app,
  );
  // Inactivity either way (an export streaming to a slow reader is activity, so it is not cut).
  server.setTimeout(limits.socketIdleTimeoutMillis, (socket) => socket.destroy());
  server.maxConnections = connectionCap(limits.maxConnections);
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
