import { Counter, Gauge, Registry } from 'prom-client';

/** Pre-bound counters of one provider (label lookups are done once, not per request). */
export interface ProviderMetrics {
  request(status: number): void;
  admitted(units: number): void;
  rejected(units: number): void;
  delivered(units: number): void;
  duplicate(units: number): void;
}

/**
 * Prometheus metrics of one mock server, in its own registry (never the global one, so two
 * servers in a process do not clash). Served at `/metrics`.
 */
export class MockMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'floodgate_mock_requests_total',
    help: 'Requests answered, by provider and HTTP status',
    labelNames: ['provider', 'status'],
    registers: [this.registry],
  });
  private readonly units = new Counter({
    name: 'floodgate_mock_units_total',
    help: "Units (in the provider's own unit) by outcome: admitted, rejected, delivered, duplicate",
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  /** Sliding-window maxima, read at scrape time. */
  readonly windowMax = new Gauge({
    name: 'floodgate_mock_window_max_units',
    help: 'Largest count of admitted units in any sliding window',
    labelNames: ['provider', 'window'],
    registers: [this.registry],
  });

  forProvider(provider: string): ProviderMetrics {
    const byStatus = new Map<number, Counter.Internal>();
    const admitted = this.units.labels(provider, 'admitted');
    const rejected = this.units.labels(provider, 'rejected');
    const delivered = this.units.labels(provider, 'delivered');
    const duplicate = this.units.labels(provider, 'duplicate');
    return {
      request: (status) => {
        let child = byStatus.get(status);
        if (!child) {
          child = this.requests.labels(provider, String(status));
          byStatus.set(status, child);
        }
        child.inc();
      },
      admitted: (n) => admitted.inc(n),
      rejected: (n) => rejected.inc(n),
      delivered: (n) => delivered.inc(n),
      duplicate: (n) => duplicate.inc(n),
    };
  }
}
