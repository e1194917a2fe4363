import { Counter, Gauge, Registry } from 'prom-client';

/**
 * One provider's counts, kept as plain numbers on the hot path. prom-client hashes the label
 * set on every `inc()`, which cost several percent of a mock's throughput; instead the
 * registry reads these numbers when scraped (a `collect` callback).
 */
export class ProviderMetrics {
  readonly requests = new Map<number, number>();
  admittedUnits = 0;
  rejectedUnits = 0;
  deliveredUnits = 0;
  duplicateUnits = 0;

  constructor(readonly provider: string) {}

  request(status: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
  }
  admitted(units: number): void {
    this.admittedUnits += units;
  }
  rejected(units: number): void {
    this.rejectedUnits += units;
  }
  delivered(units: number): void {
    this.deliveredUnits += units;
  }
  duplicate(units: number): void {
    this.duplicateUnits += units;
  }
}

/**
 * Prometheus metrics of one mock server, in its own registry (never the global one, so two
 * servers in a process do not clash). Served at `/metrics`.
 */
export class MockMetrics {
  readonly registry = new Registry();
  private readonly providers: ProviderMetrics[] = [];

  constructor() {
    const providers = this.providers;
    new Counter({
      name: 'floodgate_mock_requests_total',
      help: 'Requests answered, by provider and HTTP status (0 = reset or hung by a fault)',
      labelNames: ['provider', 'status'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of providers) for (const [status, n] of p.requests) this.inc({ provider: p.provider, status: String(status) }, n);
      },
    });
    new Counter({
      name: 'floodgate_mock_units_total',
      help: "Units (in the provider's own unit) by outcome: admitted, rejected, delivered, duplicate",
      labelNames: ['provider', 'outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of providers) {
          this.inc({ provider: p.provider, outcome: 'admitted' }, p.admittedUnits);
          this.inc({ provider: p.provider, outcome: 'rejected' }, p.rejectedUnits);
          this.inc({ provider: p.provider, outcome: 'delivered' }, p.deliveredUnits);
          this.inc({ provider: p.provider, outcome: 'duplicate' }, p.duplicateUnits);
        }
      },
    });
  }

  /** Sliding-window maxima, set at scrape time by the admin plugin. */
  readonly windowMax = new Gauge({
    name: 'floodgate_mock_window_max_units',
    help: 'Largest count of admitted units in any sliding window',
    labelNames: ['provider', 'window'],
    registers: [this.registry],
  });

  /** Creates the counters of one provider, read by this registry at scrape time. */
  forProvider(provider: string): ProviderMetrics {
    const metrics = new ProviderMetrics(provider);
    this.providers.push(metrics);
    return metrics;
  }
}
