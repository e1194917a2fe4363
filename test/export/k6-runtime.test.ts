import { describe, expect, it } from 'vitest';
import type { Frozen, Scenario } from '../../src/config/index.ts';
import { Scenario as ScenarioSchema } from '../../src/config/index.ts';
import { renderK6Script } from '../../src/export/index.ts';

interface Sent {
  method: string;
  url: string;
  body: string | null;
  params: { headers: Record<string, string>; tags: { name: string }; timeout: string };
}

/**
 * Runs an exported script's own code in Node with stand-ins for the k6 modules (k6 itself is not
 * installed here): the import lines are dropped, `export` keywords removed, and `http`, `exec`,
 * `randomBytes`, `check`, `__ENV` and the metric classes supplied. What it sends is what k6 would.
 */
function load(scenario: Frozen<Scenario>, env: Record<string, string>) {
  const sent: Sent[] = [];
  const added: [string, number, Record<string, string>][] = [];
  const source = renderK6Script(scenario, { file: 'x.yaml', toolVersion: 'test' })
    .split('\n')
    .filter((l) => !l.startsWith('import '))
    .join('\n')
    .replace(/^export /gm, '');
  let iteration = 0;
  const http = {
    request: (method: string, url: string, body: string | null, params: Sent['params']) => {
      sent.push({ method, url, body, params });
      return { status: 202 };
    },
    get: (url: string) => ({ status: 200, json: () => ({ duplicates: 3, maxPerSecondWindow: 200, url }) }),
  };
  const exec = {
    get scenario() {
      return { iterationInTest: iteration++ };
    },
  };
  const randomBytes = (n: number) => new Uint8Array(n).map((_, i) => i * 17).buffer;
  class Metric {
    constructor(private readonly name: string) {}
    add(value: number, tags: Record<string, string>) {
      added.push([this.name, value, tags]);
    }
  }
  const run = new Function(
    'http',
    'exec',
    'randomBytes',
    'check',
    '__ENV',
    'Counter',
    'Gauge',
    `${source}\nreturn { send, teardown, options };`,
  );
  const script = run(http, exec, randomBytes, () => true, env, Metric, Metric) as { send(): void; teardown(): void; options: unknown };
  return { script, sent, added };
}

const scenario = ScenarioSchema.parse({
  name: 'mix',
  system: { providers: { alimtalk: { kind: 'alimtalk' } }, token: 'secret-token' },
  load: [
    {
      phases: {
        recipients: { count: 3, pattern: 'tx-{n}' },
        templates: [
          {
            name: 'heavy',
            weight: 3,
            method: 'POST',
            path: '/v1/messages',
            headers: { authorization: 'Bearer {{token}}' },
            body: { seq: '{{seq}}', id: 'm-{{uuid}}', to: '{{recipient}}', at: '{{now}}' },
          },
          { name: 'light', weight: 1, path: '/healthz' },
        ],
        stages: [{ duration: '10s', rate: 10 }],
      },
    },
  ],
  thresholds: { 'provider.alimtalk.duplicates': '== 0', 'provider.alimtalk.maxPerSecondWindow': '<= 200' },
}) as Frozen<Scenario>;

describe('the exported script, run with k6 stand-ins', () => {
  it('fills generated fields as floodgate run does and sends to BASE_URL', () => {
    const { script, sent } = load(scenario, { FLOODGATE_STEP: 'step_1', BASE_URL: 'http://sut:8080/' });
    for (let i = 0; i < 400; i++) script.send();
    const heavy = sent.filter((s) => s.params.tags.name === 'heavy');
    // Weighted 3 : 1 (random, so within a wide band; 400 draws put 300 +/- ~26 on heavy).
    expect(heavy.length).toBeGreaterThan(220);
    expect(heavy.length).toBeLessThan(380);
    const first = heavy[0] as Sent;
    expect(first.url).toBe('http://sut:8080/v1/messages');
    expect(first.params.headers).toEqual({ authorization: 'Bearer secret-token', 'content-type': 'application/json' });
    const body = JSON.parse(first.body ?? '{}');
    expect(typeof body.seq).toBe('number');
    expect(typeof body.at).toBe('number');
    expect(body.id).toMatch(/^m-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(heavy.map((s) => JSON.parse(s.body ?? '{}').to))).toEqual(new Set(['tx-1', 'tx-2', 'tx-3']));
    expect(sent.filter((s) => s.params.tags.name === 'light').every((s) => s.method === 'GET' && s.body === null)).toBe(true);
  });

  it('FLOODGATE_TOKEN overrides the scenario token; teardown reads the mock ledger only with MOCKS_URL', () => {
    const withMocks = load(scenario, { FLOODGATE_STEP: 'step_1', FLOODGATE_TOKEN: 'other', MOCKS_URL: 'http://mocks:9090' });
    for (let i = 0; i < 40; i++) withMocks.script.send();
    const auth = withMocks.sent.filter((s) => s.params.tags.name === 'heavy').map((s) => s.params.headers.authorization);
    expect(auth.length).toBeGreaterThan(0);
    expect(new Set(auth)).toEqual(new Set(['Bearer other']));
    withMocks.script.teardown();
    expect(withMocks.added).toEqual([
      ['floodgate_duplicates', 3, { provider: 'alimtalk' }],
      ['floodgate_max_per_second', 200, { provider: 'alimtalk' }],
    ]);
    const without = load(scenario, { FLOODGATE_STEP: 'step_1' });
    without.script.teardown();
    expect(without.added).toEqual([]);
  });
});
