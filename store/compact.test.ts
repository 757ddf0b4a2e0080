import { compactLinks, compactScoreAttributes, linksJson, rebuildScoreAttributes, scoreEvaluates } from './compact';
import type { AttributeMap } from '../schema/records';

const base = { name: 'visual.pixel_similarity', value: 0.93, label: null, explanation: 'pixelmatch: 7% of pixels differ' };

function roundTrip(attrs: AttributeMap) {
  const cols = { ...base, ...scoreEvaluates(attrs) };
  const c = compactScoreAttributes(attrs, cols);
  return { ...c, back: rebuildScoreAttributes(c.promoted, c.rest, cols) };
}

describe('score events: what the judged call is, kept in columns', () => {
  const event: AttributeMap = {
    'gen_ai.evaluation.name': base.name,
    'gen_ai.evaluation.score.value': base.value,
    'gen_ai.evaluation.explanation': base.explanation,
    'gen_ai.response.id': 'chatcmpl-8b1549c2c48b76947da86b7e',
    'genscope.evaluation.span_id': '2a91745d5b227f2a',
  };

  it('leaves the judged span id and response id out of the stored remainder and rebuilds them exactly', () => {
    const r = roundTrip(event);
    expect(r.rest).toBeNull();
    expect(r.back).toEqual(event);
  });

  it('keeps a span id that would not rebuild identically (upper case, wrong length, not a string) as sent', () => {
    for (const odd of ['2A91745D5B227F2A', '2a91745d', 42]) {
      const attrs = { ...event, 'genscope.evaluation.span_id': odd };
      const r = roundTrip(attrs);
      expect(JSON.parse(r.rest ?? '{}')).toEqual({ 'genscope.evaluation.span_id': odd });
      expect(r.back).toEqual(attrs);
    }
  });

  it('keeps a non-string response id and other keys in the remainder', () => {
    const attrs = { ...event, 'gen_ai.response.id': 7, 'team.judge': 'v2' };
    const r = roundTrip(attrs);
    expect(JSON.parse(r.rest ?? '{}')).toEqual({ 'gen_ai.response.id': 7, 'team.judge': 'v2' });
    expect(r.back).toEqual(attrs);
  });
});

describe('compactLinks', () => {
  it('stores links that are only ids as 24 bytes each and gives back the same JSON; anything else stays JSON', () => {
    const two = JSON.stringify([
      { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: {} },
      { traceId: '01'.repeat(16), spanId: '23'.repeat(8), attributes: {} },
    ]);
    const stored = compactLinks(two);
    expect(stored).toBeInstanceOf(Buffer);
    expect((stored as Buffer).length).toBe(48);
    expect(linksJson(stored)).toBe(two);
    for (const kept of [
      JSON.stringify([{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attributes: { 'link.kind': 'benchmark' } }]),
      JSON.stringify([{ traceId: 'AB'.repeat(16), spanId: 'cd'.repeat(8), attributes: {} }]),
      JSON.stringify([{ spanId: 'cd'.repeat(8), traceId: 'ab'.repeat(16), attributes: {} }]),
      JSON.stringify([{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }]),
      '[]',
      'not json',
    ]) {
      expect(compactLinks(kept)).toBe(kept);
      expect(linksJson(kept)).toBe(kept);
    }
    expect(compactLinks(null)).toBeNull();
    expect(linksJson(null)).toBeNull();
  });
});
