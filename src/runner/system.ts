import { request } from 'undici';
import type { Frozen, Scenario } from '../config/index.ts';
import { InputError, RunInvalidError } from '../core/index.ts';
import type { MockEndpoint } from './mock-session.ts';
import { startOwnDispatcher } from './own-dispatcher.ts';

/** A dispatcher restart asked by a `fault` step. */
export interface RestartRequest {
  /** 1-based process of N. */
  instance: number;
  signal: 'SIGKILL' | 'SIGTERM';
  /** How long to stay down before starting again, ms. */
  downMs: number;
}

/** When a restart's signal was sent and when the new process answered again (epoch ms). */
export interface RestartTiming {
  killedAt: number;
  readyAt: number;
}

/** The system under test once started (or found): where to send load and where the mocks are. */
export interface SystemUnderTest {
  kind: 'embedded' | 'external';
  /** Origin of the dispatcher, e.g. `http://127.0.0.1:8080`. */
  targetUrl: string;
  /**
   * Each mock provider's admin origin (its `/__mock/<name>/...` API lives there), the admin token,
   * and for a mock floodgate did not start, the scenario's settings to push for the run.
   */
  providers: Record<string, MockEndpoint>;
  /**
   * Optional capability: kill a dispatcher process floodgate started and start it again on the same
   * store (`fault` steps). Absent when the dispatcher is not floodgate's (`--target`).
   */
  restart?(r: RestartRequest): Promise<RestartTiming>;
  close(): Promise<void>;
}

/**
 * Starts the embedded dispatcher and/or mock providers from the scenario's `system` section.
 * WIRING POINT: the CLI passes an implementation built on `createDispatcher` (dispatcher/) and
 * `createMockProviders` (mock-providers/) once those are merged. `withDispatcher: false` means
 * the user gave `--target` (their own dispatcher) but the mocks are still floodgate's.
 */
export type StartEmbeddedSystem = (
  system: Frozen<Scenario['system']>,
  options: {
    withDispatcher: boolean;
    signal?: AbortSignal;
    /** A `fault` step will restart the dispatcher: run it as its own process(es) on a store that survives a kill. */
    restartable?: boolean;
  },
) => Promise<SystemUnderTest>;

/**
 * Finds or starts the system: `--target` (or a URL in `system.dispatcher`) is external; providers
 * on a long-lived mock (`--mocks`, `system.mocks`, or a provider's own `url`) are external mocks,
 * to which the scenario's settings for them are pushed for the run; anything else needs the
 * embedded starter.
 */
export async function startSystem(
  system: Frozen<Scenario['system']>,
  options: {
    target?: string;
    mocks?: string;
    mocksToken?: string;
    startEmbedded?: StartEmbeddedSystem;
    signal?: AbortSignal;
    restartable?: boolean;
  },
): Promise<SystemUnderTest> {
  const own = options.target === undefined && typeof system.dispatcher === 'object' ? system.dispatcher : undefined;
  if (!own) return startFoundSystem(system, options);
  // The team's dispatcher floodgate owns: its mocks first (it sends to them from its first request), then it.
  const mocksOnly = await startFoundSystem(system, { ...options, target: own.url });
  try {
    const origin = Object.values(mocksOnly.providers)[0]?.adminUrl;
    const dispatcher = await startOwnDispatcher(origin ? withMocksOrigin(own, origin) : own);
    return {
      ...mocksOnly,
      restart: (r) => dispatcher.restart(r),
      close: async () => {
        await dispatcher.close();
        await mocksOnly.close();
      },
    };
  } catch (error) {
    await mocksOnly.close();
    throw error;
  }
}

async function startFoundSystem(system: Frozen<Scenario['system']>, options: Parameters<typeof startSystem>[1]): Promise<SystemUnderTest> {
  const external =
    options.target ?? (typeof system.dispatcher === 'string' && system.dispatcher !== 'embedded' ? system.dispatcher : undefined);
  const mocks = typeof system.mocks === 'string' ? { url: system.mocks } : system.mocks;
  const mocksUrl = options.mocks ?? mocks?.url;
  const token = mocks?.token ?? options.mocksToken ?? null;
  const providers: SystemUnderTest['providers'] = {};
  const embeddedProviders: string[] = [];
  for (const [name, p] of Object.entries(system.providers)) {
    const origin = p.url ?? mocksUrl;
    if (origin) {
      const { url: _origin, ...push } = p as Record<string, unknown>;
      providers[name] = { adminUrl: trimSlash(origin), ...(p.kind ? { kind: p.kind } : {}), token, push };
    } else embeddedProviders.push(name);
  }
  if (mocksUrl && !external) {
    throw new InputError(
      'FG_USAGE',
      'a long-lived mock (--mocks / system.mocks) serves your own dispatcher: give it with --target URL (or system.dispatcher: URL)',
    );
  }
  if (external && embeddedProviders.length === 0) {
    return { kind: 'external', targetUrl: trimSlash(external), providers, close: async () => undefined };
  }
  if (!options.startEmbedded) {
    const what = external ? `mock providers ${embeddedProviders.join(', ')}` : 'the embedded dispatcher';
    throw new InputError(
      'FG_INPUT_INVALID',
      `this floodgate build cannot start ${what}; give each provider a \`url\` of running mocks and pass --target URL (or set system.dispatcher to a URL)`,
    );
  }
  const started = await options.startEmbedded(system, {
    withDispatcher: !external,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.restartable && !external ? { restartable: true } : {}),
  });
  const restart = started.restart?.bind(started);
  return {
    kind: external ? 'external' : 'embedded',
    targetUrl: trimSlash(external ?? started.targetUrl),
    providers: { ...started.providers, ...providers },
    ...(restart && !external ? { restart } : {}),
    close: () => started.close(),
  };
}

/**
 * The command with `{{mocks}}` (in argv, `cwd` and `env` values) replaced by the mocks' origin, so a
 * dispatcher floodgate starts can be pointed at mocks on a port chosen at run time
 * (`--alimtalk-url={{mocks}}/alimtalk`: each provider is served at `<origin>/<name>`).
 */
export function withMocksOrigin<
  T extends { command: readonly string[]; cwd?: string | undefined; env?: Readonly<Record<string, string>> | undefined },
>(own: T, origin: string): T {
  const fill = (v: string) => v.replaceAll('{{mocks}}', trimSlash(origin));
  return {
    ...own,
    command: own.command.map(fill),
    ...(own.cwd !== undefined ? { cwd: fill(own.cwd) } : {}),
    ...(own.env ? { env: Object.fromEntries(Object.entries(own.env).map(([k, v]) => [k, fill(v)])) } : {}),
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Checks that the target answers at all before any load: one `GET /` whose status does not
 * matter (a 404 is an answer). No answer within `timeout` ms is FG_TARGET_UNREACHABLE (exit 3),
 * so a wrong URL fails in seconds instead of producing a run full of connection errors.
 */
export async function preflight(targetUrl: string, timeout: number): Promise<void> {
  const started = performance.now();
  try {
    const res = await request(`${targetUrl}/`, {
      method: 'GET',
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    await res.body.dump();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const waited = Math.round(performance.now() - started);
    throw new RunInvalidError(
      'FG_TARGET_UNREACHABLE',
      `${targetUrl} cannot be reached (${code ?? (error as Error).message}, after ${waited}ms)`,
      {
        cause: error,
      },
    );
  }
}
