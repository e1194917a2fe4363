import { randomUUID } from 'node:crypto';
import { FloodgateError, InputError, type Issue } from '../src/core/index.ts';
import type { ProviderConfig } from './config.ts';
import type { ProviderRuntime } from './runtime.ts';

/** A run in progress on a long-lived mock server. */
export interface MockRun {
  id: string;
  name: string;
  startedAt: number;
  /** When its reader last asked for something (epoch ms): a run nobody reads for {@link RUN_LEASE_MS} is abandoned. */
  lastSeen: number;
  /** Each reconfigured provider's config before the run, restored when it ends. */
  saved: Map<string, ProviderConfig>;
}

/**
 * A run whose reader has asked for nothing this long (a runner polls every second or so) is taken
 * to be abandoned (its runner was killed) and may be replaced; a live one may not.
 */
export const RUN_LEASE_MS = 30_000;

/** A run is refused because another, live run holds the mock. */
export class RunBusyError extends Error {}

/** What `POST /__mock/runs` returns. */
export interface RunStarted {
  runId: string;
  startedAt: number;
  /** The run that was active and is now ended (its reader will be told), or null. */
  replaced: string | null;
  providers: Record<string, { kind: ProviderConfig['kind']; url: string; config: ProviderConfig }>;
}

/**
 * Run scope for a long-lived mock (`floodgate mock` that a team's dispatcher is configured
 * against). A run begins by pushing its scenario's settings for the providers it names (each a
 * partial config, merged over the mock's own, validated as a whole before anything changes) and
 * starting a new epoch: every count, ledger, feed and limiter starts from zero, so a run reads only
 * its own deliveries and back-to-back runs give the same figures. It ends by restoring the configs
 * it replaced. One run at a time: while a run's reader is alive (it read within {@link RUN_LEASE_MS})
 * another run is refused (409), since the two would count each other's deliveries; an abandoned run
 * is ended by the next one (`replaced`), and its reads are refused from then on, never answered with
 * someone else's figures.
 */
export class RunRegistry {
  private current: MockRun | null = null;
  private readonly ended = new Set<string>();

  constructor(private readonly runtimes: Map<string, ProviderRuntime>) {}

  /** The active run, if any. */
  get active(): MockRun | null {
    return this.current;
  }

  /**
   * Begins a run. Throws InputError (answered 400) naming each unknown provider or bad key, and
   * changes nothing then.
   */
  begin(input: { name?: unknown; providers?: unknown }, now = Date.now()): RunStarted {
    const live = this.current;
    if (live && now - live.lastSeen < RUN_LEASE_MS) {
      throw new RunBusyError(
        `run ${live.id} (${live.name}) holds this mock: its reader asked ${Math.round((now - live.lastSeen) / 1000)} s ago; wait for it to end, or end it with DELETE /__mock/runs/${live.id}`,
      );
    }
    const pushes = this.validate(input.providers);
    const replaced = live ? this.end(live.id) : null;
    const run: MockRun = {
      id: randomUUID(),
      name: typeof input.name === 'string' ? input.name.slice(0, 200) : 'run',
      startedAt: now,
      lastSeen: now,
      saved: new Map(),
    };
    for (const [name, partial] of pushes) {
      const runtime = this.runtimes.get(name) as ProviderRuntime;
      run.saved.set(name, runtime.config);
      runtime.reconfigure(partial);
    }
    for (const runtime of this.runtimes.values()) runtime.reset();
    this.current = run;
    const providers: RunStarted['providers'] = {};
    for (const r of this.runtimes.values()) providers[r.name] = { kind: r.config.kind, url: r.url, config: r.config };
    return { runId: run.id, startedAt: run.startedAt, replaced: replaced?.id ?? null, providers };
  }

  /** Ends a run and restores what it changed; null when it is not the active run. */
  end(id: string): MockRun | null {
    const run = this.current;
    if (!run || run.id !== id) return null;
    for (const [name, config] of run.saved) this.runtimes.get(name)?.reconfigure({ ...config });
    this.current = null;
    this.ended.add(id);
    return run;
  }

  /**
   * Checks a reader's `run` parameter: null when it may read (no run given, or the active run),
   * else why not (the run ended or was replaced by another: its figures are gone).
   */
  refuse(id: string | undefined, now = Date.now()): string | null {
    if (id === undefined || id === '') return null;
    if (this.current?.id === id) {
      this.current.lastSeen = now;
      return null;
    }
    if (this.ended.has(id))
      return `run ${id} has ended${this.current ? ` and run ${this.current.id} is active` : ''}: its figures are gone`;
    return `no run ${id} on this mock${this.current ? ` (run ${this.current.id} is active)` : ''}`;
  }

  private validate(providers: unknown): Map<string, Record<string, unknown>> {
    const pushes = new Map<string, Record<string, unknown>>();
    if (providers === undefined || providers === null) return pushes;
    if (typeof providers !== 'object' || Array.isArray(providers)) {
      throw new InputError('FG_CONFIG_INVALID', 'providers must be an object of provider name -> config keys');
    }
    const issues: Issue[] = [];
    for (const [name, partial] of Object.entries(providers as Record<string, unknown>)) {
      // A Map: `constructor` or `__proto__` is never found on a prototype.
      const runtime = this.runtimes.get(name);
      if (!runtime) {
        issues.push({
          path: ['providers', name],
          message: `this mock serves no provider "${name}" (it serves: ${[...this.runtimes.keys()].join(', ')})`,
        });
        continue;
      }
      if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
        issues.push({ path: ['providers', name], message: 'expected an object of config keys' });
        continue;
      }
      try {
        runtime.checkConfig(partial as Record<string, unknown>);
        pushes.set(name, partial as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof FloodgateError)) throw error;
        issues.push(
          ...(error.issues.length > 0 ? error.issues : [{ path: [], message: error.message }]).map((i) => ({
            ...i,
            path: ['providers', name, ...i.path],
          })),
        );
      }
    }
    if (issues.length > 0)
      throw new InputError(
        'FG_CONFIG_INVALID',
        `run refused: ${issues.length} problem${issues.length === 1 ? '' : 's'} in its provider settings`,
        { issues },
      );
    return pushes;
  }
}
