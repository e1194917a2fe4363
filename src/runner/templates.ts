import { randomUUID } from 'node:crypto';
import type { Clock, Rng } from '../core/index.ts';

/** A request template as the scenario gives it (after validation). */
export interface TemplateSpec {
  name?: string;
  weight?: number;
  method: string;
  path: string;
  headers?: Readonly<Record<string, string>>;
  body?: unknown;
}

/** A concrete request, ready to send. */
export interface ConcreteRequest {
  template: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The phase's tracked-recipient index this request used (`{{tracked}}`), if any. */
  tracked?: number;
}

/** Hands out a tracked phase's recipients, each once (src/runner/phase-track.ts). */
export interface TrackedRecipients {
  next(): { index: number; recipient: string };
}

/** Makes the next request of a phase: picks a template by weight and fills its generated fields. */
export interface RequestFactory {
  next(): ConcreteRequest;
}

/** Extra named values a template may use (`{{channel}}` in a campaign's start request). */
export type TemplateVars = Readonly<Record<string, unknown>>;

interface FieldContext {
  seq: number;
  recipient: () => string;
  /** This request's tracked recipient: drawn on first use, the same for every use in one request. */
  tracked: () => string;
  now: () => number;
  vars: TemplateVars;
}

type Filler = (ctx: FieldContext) => unknown;

const FIELD = /\{\{\s*([a-zA-Z][\w.]*)\s*\}\}/g;

function fieldValue(name: string, ctx: FieldContext): unknown {
  switch (name) {
    case 'uuid':
      return randomUUID();
    case 'seq':
      return ctx.seq;
    case 'recipient':
      return ctx.recipient();
    case 'tracked':
      return ctx.tracked();
    case 'now':
      return Math.round(ctx.now());
    case 'nowIso':
      return new Date(ctx.now()).toISOString();
    default: {
      // Own keys only: `{{constructor}}` is an unknown field, not Object's constructor.
      const v = Object.hasOwn(ctx.vars, name) ? ctx.vars[name] : undefined;
      if (v === undefined) throw new Error(`unknown template field {{${name}}}`);
      return v;
    }
  }
}

/** Compiles a string with `{{fields}}` once, so each request only concatenates. */
function compileString(text: string): Filler {
  const whole = /^\{\{\s*([a-zA-Z][\w.]*)\s*\}\}$/.exec(text);
  if (whole?.[1]) {
    const name = whole[1];
    return (ctx) => {
      // A whole-value field keeps its type: numbers stay numbers, a `{{params}}` object stays an object.
      return fieldValue(name, ctx);
    };
  }
  if (!text.includes('{{')) return () => text;
  const parts: (string | { field: string })[] = [];
  let last = 0;
  for (const m of text.matchAll(FIELD)) {
    parts.push(text.slice(last, m.index), { field: m[1] as string });
    last = (m.index ?? 0) + m[0].length;
  }
  parts.push(text.slice(last));
  return (ctx) => parts.map((p) => (typeof p === 'string' ? p : textOf(fieldValue(p.field, ctx)))).join('');
}

function textOf(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function compileValue(value: unknown): Filler {
  if (typeof value === 'string') return compileString(value);
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    return (ctx) => items.map((f) => f(ctx));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, compileValue(v)] as const);
    return (ctx) => Object.fromEntries(entries.map(([k, f]) => [k, f(ctx)]));
  }
  return () => value;
}

/**
 * Lists every `{{field}}` a template uses that is not generated or given in `vars`, so a
 * scenario with a typo fails before the run rather than on the first request.
 */
export function unknownTemplateFields(template: TemplateSpec, vars: TemplateVars = {}): string[] {
  const found = new Set<string>();
  const scan = (v: unknown) => {
    if (typeof v === 'string') for (const m of v.matchAll(FIELD)) found.add(m[1] as string);
    else if (Array.isArray(v)) v.forEach(scan);
    else if (v && typeof v === 'object') Object.values(v).forEach(scan);
  };
  scan([template.path, template.headers ?? {}, template.body ?? null]);
  const known = new Set(['uuid', 'seq', 'recipient', 'tracked', 'now', 'nowIso', ...Object.keys(vars)]);
  return [...found].filter((f) => !known.has(f));
}

/** Does a template use `{{name}}` anywhere (path, headers, body)? */
export function usesTemplateField(template: TemplateSpec, name: string): boolean {
  let found = false;
  const scan = (v: unknown) => {
    if (found) return;
    if (typeof v === 'string') for (const m of v.matchAll(FIELD)) found ||= m[1] === name;
    else if (Array.isArray(v)) v.forEach(scan);
    else if (v && typeof v === 'object') Object.values(v).forEach(scan);
  };
  scan([template.path, template.headers ?? {}, template.body ?? null]);
  return found;
}

/**
 * Creates a request factory. Templates are mixed by weight with smooth weighted round-robin
 * (nginx's algorithm), so story 1's 25 / 37.5 / 37.5 mix is exact in every 8 requests instead
 * of only on average. Recipients are drawn from the pool with the seeded RNG.
 */
export function createRequestFactory(
  templates: readonly TemplateSpec[],
  options: {
    rng: Rng;
    clock: Clock;
    recipients?: { count: number; pattern: string };
    vars?: TemplateVars;
    /** The phase's tracked recipients (`{{tracked}}`); without them the field is an error. */
    tracked?: TrackedRecipients;
  },
): RequestFactory {
  const compiled = templates.map((t) => {
    const headers = { ...(t.headers ?? {}) };
    const hasBody = t.body !== undefined;
    if (hasBody && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    return {
      method: t.method,
      path: compileString(t.path),
      headers: Object.entries(headers).map(([k, v]) => [k, compileString(v)] as const),
      body: hasBody ? compileValue(t.body) : undefined,
      weight: t.weight ?? 1,
    };
  });
  const totalWeight = compiled.reduce((s, t) => s + t.weight, 0);
  const current = compiled.map(() => 0);
  const pool = options.recipients ?? { count: 1000, pattern: 'user-{n}' };
  let seq = 0;
  let tracked: { index: number; recipient: string } | undefined;
  const ctx: FieldContext = {
    tracked: () => {
      // A search made from a tracked phase (`floodgate capacity`) keeps its requests: each still gets a
      // recipient of its own, untracked (scenarios may not write {{tracked}} outside a tracked phase).
      tracked ??= options.tracked?.next() ?? { index: -1, recipient: `untracked-${ctx.seq}@floodgate.test` };
      return tracked.recipient;
    },
    seq: 0,
    vars: options.vars ?? {},
    now: () => options.clock.now(),
    recipient: () => pool.pattern.replace('{n}', String(1 + Math.floor(options.rng.next() * pool.count))),
  };
  const pick = (): number => {
    let best = 0;
    for (let i = 0; i < compiled.length; i++) {
      current[i] = (current[i] as number) + (compiled[i]?.weight ?? 0);
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best] = (current[best] as number) - totalWeight;
    return best;
  };
  return {
    next() {
      const index = compiled.length === 1 ? 0 : pick();
      const t = compiled[index] as (typeof compiled)[number];
      ctx.seq = ++seq;
      tracked = undefined;
      const headers: Record<string, string> = {};
      for (const [k, f] of t.headers) headers[k] = textOf(f(ctx));
      const req: ConcreteRequest = {
        template: index,
        method: t.method,
        path: textOf(t.path(ctx)),
        headers,
        body: t.body ? JSON.stringify(t.body(ctx)) : undefined,
      };
      const trackedIndex = (tracked as { index: number } | undefined)?.index ?? -1;
      if (trackedIndex >= 0) req.tracked = trackedIndex;
      return req;
    },
  };
}
