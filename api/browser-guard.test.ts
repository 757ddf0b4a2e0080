import request from 'supertest';
import { createApp } from './app';
import { allowedHostNames, CONTENT_SECURITY_POLICY } from './browser-guard';
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
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('answers 421 to a Host that is not one of its names, and serves its own names', async () => {
    const guarded = createApp({ db: w.db, config: { allowedHosts: allowedHostNames({ host: '0.0.0.0', publicUrl: 'https://genscope.example.com:8443/' }) } });
    for (const host of ['rebind.attacker.example:4000', 'genscope.example.com.evil.example', 'localhost.evil.example', 'a b', '2130706433']) {
      const res = await request(guarded).get('/api/v1/health').set('Host', host);
      expect([host, res.status]).toEqual([host, 421]);
      expect((res.body as { error: { code: string; message: string } }).error.message).toContain('--public-url');
    }
    // The gate holds for ingest and writes too, before any key or body is looked at.
    expect((await request(guarded).post('/v1/traces').set('Host', 'rebind.attacker.example')).status).toBe(421);
    for (const host of ['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST', 'app.localhost:4000', '[::1]:4000', '10.1.2.3', 'genscope.example.com:8443', 'GenScope.Example.Com.']) {
      const res = await request(guarded).get('/api/v1/health').set('Host', host);
      expect([host, res.status]).toEqual([host, 200]);
    }
  });

  it('refuses a write from a page of another origin and lets same-origin and Origin-less writes through', async () => {
    const foreign = await request(w.app).post('/api/v1/no-such-write').set('Origin', 'http://evil.example');
    expect(foreign.status).toBe(403);
    expect((foreign.body as { error: { code: string } }).error.code).toBe('forbidden');
    const opaque = await request(w.app).post('/api/v1/no-such-write').set('Origin', 'null');
    expect(opaque.status).toBe(403);
    const same = await request(w.app)
      .post('/api/v1/no-such-write')
      .set('Host', 'localhost:4000')
      .set('Origin', 'http://localhost:4000');
    expect(same.status).toBe(404);
    const plain = await request(w.app).post('/api/v1/no-such-write');
    expect(plain.status).toBe(404);
    const read = await request(w.app).get('/api/v1/health').set('Origin', 'http://evil.example');
    expect(read.status).toBe(200);
  });
});
