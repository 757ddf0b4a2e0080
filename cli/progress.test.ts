import { PassThrough } from 'node:stream';
import { createProgress, formatDuration } from './progress';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('createProgress', () => {
  it('writes plain lines at each tenth of the way, not one per item, off a terminal', () => {
    const out = capture();
    let t = 0;
    const p = createProgress({ total: 51, noun: 'components', stream: out.stream, tty: false, nowMillis: () => t });
    for (let i = 0; i < 51; i++) {
      t += 100;
      p.tick(i === 3);
    }
    p.finish();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe('progress: 6/51 components, 1 failed, 0.6 s elapsed, ETA 4.5 s');
    expect(lines.at(-1)).toBe('progress: 51/51 components, 1 failed, 5.1 s elapsed');
  });

  it('adds a line after 5 s without one, for slow passes', () => {
    const out = capture();
    let t = 0;
    const p = createProgress({ total: 1000, noun: 'components', stream: out.stream, tty: false, nowMillis: () => t });
    t = 6000;
    p.tick(false);
    t = 7000;
    p.tick(false);
    expect(out.text()).toBe('progress: 1/1000 components, 0 failed, 6.0 s elapsed, ETA 1h39m\n');
    p.finish();
    expect(out.text().split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('redraws one bar in place on a terminal and ends its line', () => {
    const out = capture();
    let t = 0;
    const p = createProgress({ total: 4, noun: 'components', stream: out.stream, tty: true, nowMillis: () => t, columns: 120 });
    for (let i = 0; i < 4; i++) {
      t += 1000;
      p.tick(i === 1);
    }
    p.finish();
    const text = out.text();
    expect(text.split('\n')).toEqual([expect.any(String), '']);
    const frames = text.trimEnd().split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toBe('[....................]   0% 0/4 components, 0 failed, 0.0 s');
    expect(frames[2]).toBe('[##########..........]  50% 2/4 components, 1 failed, 2.0 s, ETA 2.0 s');
    expect(frames.at(-1)).toBe('[####################] 100% 4/4 components, 1 failed, 4.0 s');
    // finish() draws nothing new when the last tick already drew the final state.
    expect(frames).toHaveLength(5);
    expect(Math.max(...frames.map((f) => f.length))).toBeLessThan(80);
  });
});

describe('formatDuration', () => {
  it('reads as seconds, minutes or hours', () => {
    expect([formatDuration(4200), formatDuration(65_000), formatDuration(7_380_000)]).toEqual(['4.2 s', '1m05s', '2h03m']);
  });
});
