/**
 * A tiny OpenAI-compatible HTTP server on 127.0.0.1 for the GenAI interop tests: chat completions
 * (plain and streamed, with usage in the last chunk when asked), embeddings, and error answers.
 * Its answers are SIMULATED (canned text, token counts derived from the request), but they travel
 * over real HTTP to the real `openai` client and the real Vercel AI SDK provider, so the
 * instrumentations see exactly what they would see from the real service.
 *
 * A user message containing `FAIL 429` or `FAIL 500` gets that error status. Every answer is
 * logged (`served`): the ground truth the tests compare genscope's panels with.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedCall {
  path: string;
  status: number;
  operation: 'chat' | 'embeddings';
  stream: boolean;
  requestModel: string;
  responseModel: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Prompt-cache writes reported (only with the cacheWrites option). */
  cacheWriteTokens?: number;
}

export interface OpenAiCompatibleServerOptions {
  /**
   * Also report prompt-cache writes, as gateways in front of Anthropic-style caching do
   * (`usage.cache_creation_input_tokens`, every third call). Off by default, so the captured
   * instrumentation fixtures stay as they are.
   */
  cacheWrites?: boolean;
}

export interface OpenAiCompatibleServer {
  /** Base URL including /v1, as the clients' baseURL option wants it. */
  url: string;
  served: ServedCall[];
  close(): Promise<void>;
}

/** Dated snapshot names, as the real service answers with (`gpt-4o-mini` -> `gpt-4o-mini-2024-07-18`). */
const SNAPSHOT: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
};

interface ChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown };
  input?: unknown;
}

function textOf(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  return messages
    .map((m) => {
      const c = (m as { content?: unknown }).content;
      if (typeof c === 'string') return c;
      if (Array.isArray(c)) return c.map((p) => String((p as { text?: unknown }).text ?? '')).join(' ');
      return '';
    })
    .join('\n');
}

/** A deterministic token count: one token per 4 characters, at least 1. */
const tokensOf = (s: string): number => Math.max(1, Math.ceil(s.length / 4));

function readJson(req: http.IncomingMessage): Promise<ChatBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as ChatBody);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startOpenAiCompatibleServer(options: OpenAiCompatibleServerOptions = {}): Promise<OpenAiCompatibleServer> {
  const served: ServedCall[] = [];
  let seq = 0;
  const server = http.createServer((req, res) => {
    readJson(req)
      .then((body) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const requestModel = typeof body.model === 'string' ? body.model : '';
        const isChat = path.endsWith('/chat/completions');
        const isEmbed = path.endsWith('/embeddings');
        if (!isChat && !isEmbed) return sendJson(res, 404, { error: { message: `no route ${path}`, type: 'not_found' } });
        const text = isChat ? textOf(body.messages) : Array.isArray(body.input) ? body.input.join(' ') : String(body.input ?? '');
        const fail = /FAIL (429|500)/.exec(text);
        const base = {
          path,
          operation: isChat ? ('chat' as const) : ('embeddings' as const),
          stream: body.stream === true,
          requestModel,
        };
        if (fail) {
          const status = Number(fail[1]);
          served.push({ ...base, status, responseModel: null, inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 });
          const error =
            status === 429
              ? { message: 'Rate limit reached (simulated)', type: 'requests', code: 'rate_limit_exceeded' }
              : { message: 'The server had an error (simulated)', type: 'server_error', code: null };
          return sendJson(res, status, { error });
        }
        seq++;
        const responseModel = SNAPSHOT[requestModel] ?? requestModel;
        const inputTokens = tokensOf(text) + 7;
        if (isEmbed) {
          served.push({ ...base, status: 200, responseModel, inputTokens, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 });
          const inputs = Array.isArray(body.input) ? body.input : [body.input];
          return sendJson(res, 200, {
            object: 'list',
            model: responseModel,
            data: inputs.map((_x, index) => ({ object: 'embedding', index, embedding: [0.1 * (index + 1), 0.2, 0.3] })),
            usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
          });
        }
        const reply = `Simulated reply ${seq}: <Button variant="primary">Save</Button>`;
        const outputTokens = tokensOf(reply);
        // Every other call reports a prompt-cache hit, so cached tokens are exercised.
        const cachedTokens = seq % 2 === 0 ? Math.floor(inputTokens / 2) : 0;
        const reasoningTokens = requestModel.startsWith('o') ? 5 : 0;
        const cacheWriteTokens = options.cacheWrites === true && seq % 3 === 0 ? Math.floor(inputTokens / 4) : 0;
        const usage = {
          prompt_tokens: inputTokens,
          completion_tokens: outputTokens,
          total_tokens: inputTokens + outputTokens,
          prompt_tokens_details: { cached_tokens: cachedTokens },
          completion_tokens_details: { reasoning_tokens: reasoningTokens },
          ...(options.cacheWrites === true ? { cache_creation_input_tokens: cacheWriteTokens } : {}),
        };
        const id = `chatcmpl-sim${seq}`;
        const created = Math.floor(Date.now() / 1000);
        const includeUsage = body.stream_options?.include_usage === true;
        served.push({
          ...base,
          status: 200,
          responseModel,
          // A stream without include_usage carries no usage: nothing to count.
          ...(base.stream && !includeUsage
            ? { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 }
            : { inputTokens, outputTokens, cachedTokens, reasoningTokens, ...(options.cacheWrites === true ? { cacheWriteTokens } : {}) }),
        });
        if (!base.stream) {
          return sendJson(res, 200, {
            id,
            object: 'chat.completion',
            created,
            model: responseModel,
            choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop', logprobs: null }],
            usage,
          });
        }
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const chunk = (delta: object, finish: string | null, extra: object = {}): string =>
          `data: ${JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model: responseModel,
            choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
            ...extra,
          })}\n\n`;
        const words = reply.split(' ');
        res.write(chunk({ role: 'assistant', content: '' }, null));
        // A little spacing between chunks so time to first token is a real, measurable interval.
        let i = 0;
        const next = (): void => {
          if (i < words.length) {
            res.write(chunk({ content: (i === 0 ? '' : ' ') + words[i] }, null));
            i++;
            setTimeout(next, 5);
            return;
          }
          res.write(chunk({}, 'stop'));
          if (includeUsage)
            res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: responseModel, choices: [], usage })}\n\n`);
          res.end('data: [DONE]\n\n');
        };
        setTimeout(next, 20);
      })
      .catch((err: unknown) => sendJson(res, 400, { error: { message: String(err), type: 'invalid_request_error' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
