import { randomUUID } from 'node:crypto';
import { FloodgateError, InputError, type Issue } from '../src/core/index.ts';
import type { ProviderConfig } from './config.ts';
import type { ProviderRuntime } from './runtime.ts';

/** A run in progress on a long-lived mock server. */
export interface MockRun {
  id: string;
  name: string;
  startedAt: number;
  /** Each reconfigured provider's config before the run, restored when it ends. */
  saved: Map<string, ProviderConfig>;
}

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
 * it replaced. One run at a time: beginning a run ends the previous one, whose later reads are
 * refused (409) rather than answered with someone else's figures.
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
  begin(input: { name?: unknown; providers?: unknown }): RunStarted {
    const pushes = this.validate(input.providers);
    const replaced = this.current ? this.end(this.current.id) : null;
    const run: MockRun = {
      id: randomUUID(),
      name: typeof input.name === 'string' ? input.name.slice(0, 200) : 'run',
      startedAt: Date.now(),
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
  refuse(id: string | undefined): string | null {
    if (id === undefined || id === '' || this.current?.id === id) return null;
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
