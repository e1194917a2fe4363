/**
 * The fixed part of every exported k6 script: filling request templates, sending, reading the
 * mock ledgers at the end and writing the summary. Kept as script text (it runs in k6's
 * JavaScript runtime, not Node) and type-checked against @types/k6 by the export tests.
 *
 * Generated fields as `floodgate run` fills them (src/runner/templates.ts): `{{uuid}}` a v4 UUID
 * (from k6/crypto's random bytes: @types/k6 declares no `randomUUID`), `{{seq}}` 1, 2, 3, ...
 * (`exec.scenario.iterationInTest + 1`, unique across all k6 instances), `{{recipient}}` the
 * step's pattern with `{n}` drawn from 1..count, `{{tracked}}` a tracked phase's pattern with `{n}` =
 * seq - 1 (untracked), `{{now}}` epoch ms, `{{nowIso}}`, `{{token}}`.
 * A string that is exactly one field keeps the field's type (`"{{seq}}"` becomes a number).
 */
export const K6_RUNTIME = `
const FIELD = /\\{\\{\\s*(\\w+)\\s*\\}\\}/g;
const WHOLE = /^\\{\\{\\s*(\\w+)\\s*\\}\\}$/;

/** @returns {string} a version 4 UUID (RFC 9562) from 16 random bytes */
function uuid() {
  const b = new Uint8Array(randomBytes(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return \`\${hex.slice(0, 8)}-\${hex.slice(8, 12)}-\${hex.slice(12, 16)}-\${hex.slice(16, 20)}-\${hex.slice(20)}\`;
}

/**
 * Replaces generated fields in strings, arrays and objects.
 * @param {unknown} value
 * @param {Record<string, () => unknown>} fields
 * @returns {unknown}
 */
function fill(value, fields) {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole && fields[whole[1]]) return fields[whole[1]]();
    return value.replace(FIELD, (match, name) => (fields[name] ? String(fields[name]()) : match));
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, fields));
  if (value !== null && typeof value === 'object') {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = fill(v, fields);
    return out;
  }
  return value;
}

/**
 * Picks a template by weight.
 * @param {Template[]} templates
 * @returns {Template}
 */
function pick(templates) {
  if (templates.length === 1) return templates[0];
  const total = templates.reduce((sum, t) => sum + t.weight, 0);
  let r = Math.random() * total;
  for (const t of templates) {
    r -= t.weight;
    if (r < 0) return t;
  }
  return templates[templates.length - 1];
}

/** One iteration: one request of the step this k6 scenario runs. */
export function send() {
  const step = STEPS[__ENV.FLOODGATE_STEP || ''];
  if (!step) throw new Error(\`no step \${__ENV.FLOODGATE_STEP}\`);
  const seq = exec.scenario.iterationInTest + 1;
  /** @type {Record<string, () => unknown>} */
  const fields = {
    uuid,
    seq: () => seq,
    recipient: () => step.recipients.pattern.replace('{n}', String(1 + Math.floor(Math.random() * step.recipients.count))),
    tracked: () => (step.tracked || 'untracked-{n}@floodgate.test').replace('{n}', String(seq - 1)),
    now: () => Date.now(),
    nowIso: () => new Date().toISOString(),
    token: () => TOKEN,
  };
  const t = pick(step.templates);
  const headers = /** @type {Record<string, string>} */ (fill(t.headers, fields));
  const body = t.body === undefined ? null : JSON.stringify(fill(t.body, fields));
  if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = http.request(t.method, BASE_URL + String(fill(t.path, fields)), body, {
    headers,
    tags: { name: t.name },
    timeout: step.timeout,
  });
  check(res, { 'status is 2xx': (r) => r.status >= 200 && r.status < 300 });
}

/** Reads the mock providers' ledgers once at the end (MOCKS_URL: the \\\`floodgate mock\\\` server). */
export function teardown() {
  if (!MOCKS_URL) return;
  for (const provider of PROVIDERS) {
    const res = http.get(\`\${MOCKS_URL}/__mock/\${provider}/stats\`);
    if (res.status !== 200) continue;
    const stats = /** @type {Record<string, number>} */ (res.json());
    for (const m of PROVIDER_METRICS) {
      if (m.provider === provider) m.metric.add(stats[m.field] ?? 0, { provider });
    }
  }
}

/**
 * Writes the end-of-test summary \\\`floodgate import k6\\\` reads.
 * @param {object} data k6's summary
 */
export function handleSummary(data) {
  return {
    [__ENV.SUMMARY_FILE || 'summary.json']: JSON.stringify(data),
    stdout: 'summary written; next: floodgate import k6 summary.json\\n',
  };
}
`;
