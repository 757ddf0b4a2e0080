import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelApiError, OpenAICompatibleClient, openAIClientFromEnv, serverOf } from './openai-client';
import { createModelClient } from './run';
import { SimulatedModelClient } from './simulated-client';

// A local stand-in for an OpenAI-compatible server on 127.0.0.1: no real provider is called.
interface Seen {
  url: string;
  authorization: string | undefined;
  body: { model: string; messages: { role: string; content: string }[] };
}

async function withServer(
  reply: (seen: Seen) => { status: number; body: string },
  fn: (baseUrl: string, seen: Seen[]) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      const s: Seen = {
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: JSON.parse(data) as Seen['body'],
      };
      seen.push(s);
      const r = reply(s);
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}/v1`, seen);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('OpenAICompatibleClient', () => {
  it('posts a chat completion and maps usage and the response model', async () => {
    await withServer(
      () => ({
        status: 200,
        body: JSON.stringify({
          id: 'chatcmpl-abc123',
          model: 'gpt-4o-mini-2024-07-18',
          choices: [
            {
              message: { role: 'assistant', content: '```tsx\nexport function A() { return <div />; }\n```' },
              finish_reason: 'stop',
            },
          ],
          usage: {
            prompt_tokens: 120,
            completion_tokens: 30,
            prompt_tokens_details: { cached_tokens: 64 },
            completion_tokens_details: { reasoning_tokens: 12 },
            cache_creation_input_tokens: 16,
          },
        }),
      }),
      async (baseUrl, seen) => {
        const client = new OpenAICompatibleClient({
          baseUrl,
          apiKey: 'sk-test-secret',
          model: 'gpt-4o-mini',
        });
        expect(client.simulated).toBe(false);
        const result = await client.complete('make a button');
        expect(seen[0]!.url).toBe('/v1/chat/completions');
        expect(seen[0]!.authorization).toBe('Bearer sk-test-secret');
        expect(seen[0]!.body.model).toBe('gpt-4o-mini');
        expect(seen[0]!.body.messages).toEqual([{ role: 'user', content: 'make a button' }]);
        expect(result.usage).toEqual({
          inputTokens: 120,
          outputTokens: 30,
          cachedInputTokens: 64,
          cacheCreationInputTokens: 16,
          reasoningTokens: 12,
          responseModel: 'gpt-4o-mini-2024-07-18',
          responseId: 'chatcmpl-abc123',
          finishReasons: ['stop'],
        });
        expect(client.server).toEqual({ address: '127.0.0.1', port: Number(new URL(baseUrl).port) });
        expect(result.text).toContain('export function A');
      },
    );
  });

  it('never puts the API key in errors or JSON', async () => {
    await withServer(
      (s) => ({
        status: 401,
        body: JSON.stringify({ error: { message: `Incorrect API key provided: ${s.authorization ?? ''}` } }),
      }),
      async (baseUrl) => {
        const client = new OpenAICompatibleClient({
          baseUrl,
          apiKey: 'sk-test-secret',
          model: 'gpt-4o-mini',
        });
        const error = await client.complete('x').then(
          () => undefined,
          (err: unknown) => err as Error,
        );
        expect(error?.message).toContain('HTTP 401');
        expect(error).toBeInstanceOf(ModelApiError);
        expect((error as ModelApiError).status).toBe(401);
        expect(error?.message).not.toContain('sk-test-secret');
        expect(JSON.stringify(client)).not.toContain('sk-test-secret');
      },
    );
  });

  it("carries the provider's error code and the HTTP status", async () => {
    await withServer(
      () => ({ status: 429, body: JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }) }),
      async (baseUrl) => {
        const client = new OpenAICompatibleClient({ baseUrl, model: 'gpt-4o-mini' });
        const error = (await client.complete('x').catch((err: unknown) => err)) as ModelApiError;
        expect([error.status, error.code]).toEqual([429, 'rate_limit_exceeded']);
      },
    );
    await withServer(
      () => ({ status: 502, body: '<html>bad gateway</html>' }),
      async (baseUrl) => {
        const client = new OpenAICompatibleClient({ baseUrl, model: 'gpt-4o-mini' });
        const error = (await client.complete('x').catch((err: unknown) => err)) as ModelApiError;
        expect([error.status, error.code]).toEqual([502, undefined]);
      },
    );
  });

  it('reports a missing finish reason as error, one per choice', async () => {
    await withServer(
      () => ({
        status: 200,
        body: JSON.stringify({ choices: [{ message: { content: 'a' }, finish_reason: 'length' }, { message: { content: 'b' } }] }),
      }),
      async (baseUrl) => {
        const result = await new OpenAICompatibleClient({ baseUrl, model: 'gpt-4o-mini' }).complete('x');
        expect(result.usage.finishReasons).toEqual(['length', 'error']);
      },
    );
  });
});

describe('serverOf', () => {
  it('takes host and port from the base URL, with the scheme default', () => {
    expect(serverOf('https://api.openai.com/v1')).toEqual({ address: 'api.openai.com', port: 443 });
    expect(serverOf('http://localhost/v1')).toEqual({ address: 'localhost', port: 80 });
    expect(serverOf('http://[::1]:8080/v1')).toEqual({ address: '::1', port: 8080 });
  });
});

describe('client selection', () => {
  it('uses the OpenAI-compatible client only when GENSCOPE_OPENAI_BASE_URL is set', () => {
    expect(openAIClientFromEnv({})).toBeUndefined();
    const env = { GENSCOPE_OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', GENSCOPE_OPENAI_MODEL: 'gpt-4.1-mini' };
    const configured = createModelClient({ model: 'gpt-4o-mini', env });
    expect(configured).toBeInstanceOf(OpenAICompatibleClient);
    expect(configured.model).toBe('gpt-4.1-mini');
    const offline = createModelClient({ model: 'gpt-4o-mini', env: {} });
    expect(offline).toBeInstanceOf(SimulatedModelClient);
  });
});
