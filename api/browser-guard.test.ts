import request from 'supertest';
import { testWorld } from './test-support';
import type { TestWorld } from './test-support';

let w: TestWorld;
beforeAll(() => {
  w = testWorld(50);
});

describe('browser guard', () => {
  it.each(['/api/v1/summary', '/api/docs', '/no-such-page', '/api/v1/openapi.json'])('sets the security headers on %s', async (path) => {
    const res = await request(w.app).get(path);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses a write from a page of another origin and lets same-origin and Origin-less writes through', async () => {
    const foreign = await request(w.app).post('/api/v1/no-such-write').set('Origin', 'http://evil.example');
    expect(foreign.status).toBe(403);
    expect((foreign.body as { error: { code: string } }).error.code).toBe('forbidden');
    const opaque = await request(w.app).post('/api/v1/no-such-write').set('Origin', 'null');
    expect(opaque.status).toBe(403);
    const same = await request(w.app)
      .post('/api/v1/no-such-write')
      .set('Host', 'genscope.test:4000')
      .set('Origin', 'http://genscope.test:4000');
    expect(same.status).toBe(404);
    const plain = await request(w.app).post('/api/v1/no-such-write');
    expect(plain.status).toBe(404);
    const read = await request(w.app).get('/api/v1/health').set('Origin', 'http://evil.example');
    expect(read.status).toBe(200);
  });
});
