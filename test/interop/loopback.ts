/** An Express app on a real HTTP server on loopback (a free port), for the interop tests' ingest. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

export interface Loopback {
  url: string;
  close(): Promise<void>;
}

export async function listenLoopback(app: express.Express): Promise<Loopback> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
