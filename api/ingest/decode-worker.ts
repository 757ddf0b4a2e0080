/**
 * The decoder pool's worker thread: runs one DecodeTask per message and answers with the records
 * or with the IngestError's status and message. Anything else thrown is reported as a 500.
 */
import { parentPort } from 'node:worker_threads';
import { runDecodeTask } from './decode-task';
import type { DecodeTask } from './decode-task';
import { IngestError } from './errors';

interface Request {
  id: number;
  task: DecodeTask;
}

const port = parentPort;
if (port) {
  port.on('message', (msg: Request) => {
    try {
      port.postMessage({ id: msg.id, result: runDecodeTask(msg.task) });
    } catch (err) {
      const status = err instanceof IngestError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      port.postMessage({ id: msg.id, error: { status, message } });
    }
  });
}
