import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/compose-spec/compose-spec.json'), 'utf8')) as object;

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | null> | string[];
  deploy?: { replicas?: number };
  scale?: number;
  ports?: (string | { published?: string | number; host_ip?: string })[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }> | string[];
  profiles?: string[];
  volumes?: (string | object)[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, object | null>;
}

/** Loads a compose file the way Compose does: YAML 1.1 merge keys (`<<: *anchor`) resolved. */
function loadCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/**
 * The schema names its meta-schema `https://json-schema.org/draft-07/schema`; ajv registers draft-07
 * under its canonical `http://...#` id, so the same meta-schema is added under the https name too.
 */
function compileComposeSchema() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const draft07 = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('ajv/dist/refs/json-schema-draft-07.json'), 'utf8'));
  ajv.addMetaSchema({ ...draft07, $id: 'https://json-schema.org/draft-07/schema' });
  return ajv.compile(SCHEMA);
}
const validateSchema = compileComposeSchema();

/**
 * Where each service may publish a port: loopback only, and only the two HTTP services (the
 * dispatcher one host port per replica). PostgreSQL publishes nothing.
 */
const PUBLISHED: Record<string, string[]> = { dispatcher: ['127.0.0.1:8080-8081:8080'], mocks: ['127.0.0.1:9090:9090'] };

/** A value that is a secret: set by one variable, with a default for a laptop, never written out. */
const SECRET_VARIABLE = /^\$\{[A-Z][A-Z0-9_]*:-[^}]+\}$/;

/** The PostgreSQL service and the dispatchers on it: one outbox, replicas, the password from a variable. */
function checkPostgresRules(compose: ComposeFile, raw: string): string[] {
  const problems: string[] = [];
  const pgService = compose.services.postgres;
  const dispatcher = compose.services.dispatcher;
  if (!pgService) return ['missing service postgres'];
  if (!/^postgres:1[56](\.|-|$)/.test(pgService.image ?? ''))
    problems.push(`postgres: image ${pgService.image}, not the official postgres:15/16`);
  const test = pgService.healthcheck?.test;
  if (!(Array.isArray(test) ? test.join(' ') : (test ?? '')).includes('pg_isready'))
    problems.push('postgres: health check is not pg_isready');
  const data = (pgService.volumes ?? []).find((v) => typeof v === 'string' && v.endsWith(':/var/lib/postgresql/data')) as
    | string
    | undefined;
  const volume = data?.split(':')[0] ?? '';
  if (!data || !Object.hasOwn(compose.volumes ?? {}, volume)) problems.push('postgres: its data is not on a named volume');
  const env = (pgService.environment ?? {}) as Record<string, unknown>;
  const password = String(env.POSTGRES_PASSWORD ?? '');
  if (!SECRET_VARIABLE.test(password))
    problems.push(`postgres: POSTGRES_PASSWORD is ${password || 'unset'}, not a variable with a laptop default`);
  const dispatcherEnv = (dispatcher?.environment ?? {}) as Record<string, unknown>;
  if (dispatcherEnv.PGPASSWORD !== env.POSTGRES_PASSWORD) problems.push("dispatcher: PGPASSWORD is not the postgres service's password");
  // The variable's default may appear once (its anchor); the password itself nowhere else.
  const fallback = /:-([^}]+)\}$/.exec(password)?.[1];
  if (fallback && raw.split(fallback).length - 1 > 1) problems.push('the postgres password is written out more than once');
  const replicas = dispatcher?.deploy?.replicas ?? dispatcher?.scale ?? 1;
  if (replicas < 2) problems.push(`dispatcher: ${replicas} replica(s), not several on one outbox`);
  const deps = dispatcher?.depends_on;
  if (Array.isArray(deps) || deps?.postgres?.condition !== 'service_healthy')
    problems.push('dispatcher: does not wait for a healthy postgres');
  return problems;
}

/** floodgate's own rules for its compose file; returns every problem found. */
function checkFloodgateRules(compose: ComposeFile): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  for (const name of ['postgres', 'dispatcher', 'mocks', 'runner']) if (!services[name]) problems.push(`missing service ${name}`);
  for (const [name, s] of Object.entries(services)) {
    if (!s.healthcheck?.test || s.healthcheck.disable) problems.push(`${name}: no healthcheck`);
    const ports = (s.ports ?? []).map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
    if (JSON.stringify(ports) !== JSON.stringify(PUBLISHED[name] ?? []))
      problems.push(`${name}: publishes ${ports.join(', ') || 'nothing'}`);
    const deps: Record<string, { condition?: string }> = Array.isArray(s.depends_on)
      ? Object.fromEntries(s.depends_on.map((d) => [d, {}]))
      : (s.depends_on ?? {});
    for (const [dep, cond] of Object.entries(deps)) {
      if (cond.condition !== 'service_healthy') problems.push(`${name}: depends on ${dep} without condition service_healthy`);
    }
    const inRunnerProfile = (s.profiles ?? []).includes('runner');
    if (name === 'runner' && !inRunnerProfile) problems.push('runner: not in the `runner` profile');
    if (name !== 'runner' && (s.profiles ?? []).length > 0) problems.push(`${name}: in a profile, so \`up\` would not start it`);
  }
  return problems;
}

const RAW = readFileSync(COMPOSE_FILE, 'utf8');
const compose = loadCompose(RAW);

describe('docker-compose.yml', () => {
  it('validates against the Compose Specification schema', () => {
    const ok = validateSchema(compose);
    expect(validateSchema.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check can fail: it rejects a misspelt key and a wrong type', () => {
    const bad = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    bad.services.dispatcher!.helthcheck = {};
    bad.services.mocks!.ports = 9090;
    expect(validateSchema(bad)).toBe(false);
    const messages = (validateSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('\n');
    expect(messages).toMatch(/additional properties/);
    expect(messages).toMatch(/\/services\/mocks\/ports must be array/);
  });

  it('keeps floodgate rules: health checks everywhere, loopback ports for dispatcher and mocks only, runner behind a profile', () => {
    expect(checkFloodgateRules(compose)).toEqual([]);
  });

  it('runs the dispatcher replicas on the postgres service: official image, pg_isready, a named volume, no published port, the password from one variable', () => {
    expect(checkPostgresRules(compose, RAW)).toEqual([]);
    const dispatcherConfig = parse(readFileSync(join(ROOT, 'deploy', 'dispatcher.yaml'), 'utf8')) as { db: string };
    expect(dispatcherConfig.db).toBe('postgres://floodgate@postgres:5432/floodgate');
  });

  it.each([
    [
      'postgres published on every interface',
      (c: ComposeFile) => (c.services.postgres!.ports = ['5432:5432']),
      'postgres: publishes 5432:5432',
    ],
    [
      'postgres published even on loopback',
      (c: ComposeFile) => (c.services.postgres!.ports = ['127.0.0.1:5432:5432']),
      'postgres: publishes 127.0.0.1:5432:5432',
    ],
  ])('the rules catch %s', (_name, mutate, problem) => {
    const copy = structuredClone(compose);
    mutate(copy);
    expect(checkFloodgateRules(copy)).toContain(problem);
  });

  it.each([
    [
      'a hard-coded password',
      (c: ComposeFile) => ((c.services.postgres!.environment as Record<string, string>).POSTGRES_PASSWORD = 'hunter2'),
      'postgres: POSTGRES_PASSWORD is hunter2, not a variable with a laptop default',
    ],
    [
      'the dispatcher with another password',
      (c: ComposeFile) => ((c.services.dispatcher!.environment as Record<string, string>).PGPASSWORD = 'hunter2'),
      "dispatcher: PGPASSWORD is not the postgres service's password",
    ],
    ['its data in the container', (c: ComposeFile) => (c.services.postgres!.volumes = []), 'postgres: its data is not on a named volume'],
    [
      'a health check that is not pg_isready',
      (c: ComposeFile) => (c.services.postgres!.healthcheck = { test: ['CMD', 'true'] }),
      'postgres: health check is not pg_isready',
    ],
    ['one dispatcher', (c: ComposeFile) => delete c.services.dispatcher!.deploy, 'dispatcher: 1 replica(s), not several on one outbox'],
    [
      'a dispatcher that does not wait for postgres',
      (c: ComposeFile) => delete (c.services.dispatcher!.depends_on as Record<string, unknown>).postgres,
      'dispatcher: does not wait for a healthy postgres',
    ],
  ])('the postgres rules catch %s', (_name, mutate, problem) => {
    const copy = structuredClone(compose);
    mutate(copy);
    expect(checkPostgresRules(copy, RAW)).toContain(problem);
  });

  it('the postgres rules catch the password written out twice', () => {
    const password = /FLOODGATE_POSTGRES_PASSWORD:-([^}]+)\}/.exec(RAW)?.[1] as string;
    expect(checkPostgresRules(compose, `${RAW}\n# ${password}\n`)).toContain('the postgres password is written out more than once');
  });

  it.each([
    ['a service without a health check', (c: ComposeFile) => delete c.services.mocks!.healthcheck, 'mocks: no healthcheck'],
    [
      'the runner published',
      (c: ComposeFile) => (c.services.runner!.ports = ['127.0.0.1:8081:8081']),
      'runner: publishes 127.0.0.1:8081:8081',
    ],
    [
      'the dispatcher on every interface',
      (c: ComposeFile) => (c.services.dispatcher!.ports = ['8080:8080']),
      'dispatcher: publishes 8080:8080',
    ],
    ['the runner out of its profile', (c: ComposeFile) => delete c.services.runner!.profiles, 'runner: not in the `runner` profile'],
    [
      'a bare depends_on',
      (c: ComposeFile) => (c.services.runner!.depends_on = ['dispatcher']),
      'runner: depends on dispatcher without condition service_healthy',
    ],
  ])('the rules catch %s', (_name, mutate, problem) => {
    const copy = structuredClone(compose);
    mutate(copy);
    expect(checkFloodgateRules(copy)).toContain(problem);
  });

  it('runs the commands the plan names, with configs that exist under deploy/', () => {
    const cmd = (name: string) => compose.services[name]?.command?.join(' ');
    expect(cmd('dispatcher')).toBe('npx floodgate dispatcher --config /config/dispatcher.yaml --port 8080');
    expect(cmd('mocks')).toBe('npx floodgate mock --config /config/mocks.yaml --host 0.0.0.0 --port 9090');
    expect(cmd('runner')).toBe('npx floodgate run /config/scenario.yaml --target http://dispatcher:8080 --mocks http://mocks:9090');
    expect(Object.keys(compose.services).sort()).toEqual(['dispatcher', 'mocks', 'postgres', 'runner']);
    for (const file of ['dispatcher.yaml', 'mocks.yaml', 'scenario.yaml']) expect(existsSync(join(ROOT, 'deploy', file))).toBe(true);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/python3 make g\+\+/);
    expect(dockerfile).toMatch(/npm ci/);
  });
});

/** Debian's docker-compose (v1.29) validates and interpolates a file without a Docker engine. */
const dockerCompose = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
const hasDockerCompose = dockerCompose.status === 0;

describe.skipIf(!hasDockerCompose)('docker-compose config (Debian docker-compose, no engine needed)', () => {
  const run = (file: string, ...args: string[]) =>
    spawnSync('docker-compose', ['-f', file, ...args, 'config', '-q'], { encoding: 'utf8', cwd: ROOT, timeout: 20_000 });

  it.each([[[]], [['--profile', 'runner']]])('accepts docker-compose.yml %j', (args) => {
    const r = run(COMPOSE_FILE, ...args);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('rejects a broken file (so the check above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fg-compose-'));
    try {
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(
        broken,
        'services:\n  dispatcher:\n    image: floodgate:local\n    depends_on:\n      mocks:\n        condition: service_healthy\n',
      );
      const r = run(broken);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/mocks/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// CI that installs docker-compose sets this, so a missing binary fails instead of skipping.
it.runIf(process.env.FLOODGATE_REQUIRE_DOCKER_COMPOSE === '1')('docker-compose is installed when required', () => {
  expect(dockerCompose.error?.message ?? dockerCompose.stdout.trim()).toMatch(/^\d+\.\d+/);
});
