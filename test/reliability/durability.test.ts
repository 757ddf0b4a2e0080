/**
 * The server acknowledges OTLP batches only after their commit, and commits with
 * synchronous=FULL, so what it answered 200 is on disk even after a power loss.
 */
import path from 'node:path';
import { startGenscopeServer } from '../../cli/serve';
import { removeDir, tempDir } from './helpers';

describe('the server database', () => {
  it('syncs every commit (synchronous=FULL) in WAL mode', async () => {
    const dir = tempDir('genscope-durable-');
    const server = await startGenscopeServer({ db: path.join(dir, 'server.db'), port: 0, env: {}, alertIntervalMillis: 3_600_000 });
    try {
      expect(server.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(server.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
