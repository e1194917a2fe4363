import { describe, expect, it } from 'vitest';
import { createManualClock, createRng } from '../../src/core/index.ts';
import { createRequestFactory, unknownTemplateFields } from '../../src/runner/templates.ts';

const clock = createManualClock(1_700_000_000_000);

describe('request factory', () => {
  it('mixes templates exactly by weight (story 1: 25 / 37.5 / 37.5)', () => {
    const f = createRequestFactory(
      [
        { weight: 25, method: 'GET', path: '/answers' },
        { weight: 37.5, method: 'GET', path: '/questions' },
        { weight: 37.5, method: 'POST', path: '/subscribe' },
      ],
      { rng: createRng(1), clock },
    );
    const counts = [0, 0, 0];
    for (let i = 0; i < 800; i++) counts[f.next().template]!++;
    expect(counts).toEqual([200, 300, 300]);
  });

  it('fills generated fields; whole-value seq and now stay numbers', () => {
    const f = createRequestFactory(
      [
        {
          method: 'POST',
          path: '/v1/items/{{seq}}',
          headers: { 'x-id': '{{uuid}}' },
          body: { seq: '{{seq}}', at: '{{now}}', to: '{{recipient}}', note: 'n{{seq}}', nested: ['{{channel}}'] },
        },
      ],
      { rng: createRng(2), clock, recipients: { count: 10, pattern: 'r-{n}' }, vars: { channel: 'alimtalk' } },
    );
    const a = f.next();
    const b = f.next();
    expect(a.path).toBe('/v1/items/1');
    expect(b.path).toBe('/v1/items/2');
    expect(a.headers['x-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['content-type']).toBe('application/json');
    const body = JSON.parse(a.body as string);
    expect(body).toMatchObject({ seq: 1, at: 1_700_000_000_000, note: 'n1', nested: ['alimtalk'] });
    expect(body.to).toMatch(/^r-([1-9]|10)$/);
  });

  it('names unknown fields before the run', () => {
    expect(unknownTemplateFields({ method: 'GET', path: '/{{sqe}}', body: { a: '{{uuid}} {{recipent}}' } })).toEqual(['sqe', 'recipent']);
    expect(unknownTemplateFields({ method: 'GET', path: '/{{channel}}' }, { channel: 'x' })).toEqual([]);
  });
});

describe('{{tracked}}', () => {
  it('gives each request its own recipient, the same within one request, and marks the request with its index', () => {
    let n = 0;
    const tracked = { next: () => ({ index: n, recipient: `new-${n++}@subscriber.test` }) };
    const f = createRequestFactory(
      [
        { weight: 1, method: 'POST', path: '/v1/messages', body: { to: '{{tracked}}', again: '{{tracked}}' } },
        { weight: 1, method: 'GET', path: '/healthz' },
      ],
      { rng: createRng(3), clock, tracked },
    );
    const sent = Array.from({ length: 6 }, () => f.next());
    const mails = sent.filter((r) => r.body !== undefined);
    expect(mails.map((r) => JSON.parse(r.body as string).to)).toEqual([
      'new-0@subscriber.test',
      'new-1@subscriber.test',
      'new-2@subscriber.test',
    ]);
    expect(mails.every((r) => JSON.parse(r.body as string).again === JSON.parse(r.body as string).to)).toBe(true);
    expect(mails.map((r) => r.tracked)).toEqual([0, 1, 2]);
    expect(sent.filter((r) => r.body === undefined).every((r) => r.tracked === undefined)).toBe(true);
  });

  it('without a tracker (a search made from a tracked phase) still gives each request its own, untracked, recipient', () => {
    const f = createRequestFactory([{ method: 'POST', path: '/v1/messages', body: { to: '{{tracked}}' } }], { rng: createRng(4), clock });
    const [a, b] = [f.next(), f.next()];
    expect(JSON.parse(a.body as string).to).not.toBe(JSON.parse(b.body as string).to);
    expect(a.tracked).toBeUndefined();
  });
});
