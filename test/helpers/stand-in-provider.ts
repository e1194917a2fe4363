import Fastify from 'fastify';

/**
 * A minimal stand-in for the mock providers (wire contract: Alimtalk broker and FCM v1 shapes)
 * until mock-providers/ lands. It counts deliveries per recipient, can dedupe client keys,
 * can enforce a per-second limit over a sliding window, and measures the largest count in any
 * sliding 1 s window. Swapping in the real mocks is a change of this import in the tests.
 */
export interface StandInOptions {
  /** Repeated client keys are answered with the original id and not delivered again. */
  dedupe?: boolean;
  /** Units (recipients) per sliding second; over it a request is refused whole with 429. */
  limit?: number;
  /** Added latency per request. */
  latencyMs?: number;
  /** Keep per-recipient counts and arrival times (off for million-row benchmarks). */
  track?: boolean;
  /**
   * Faults by request number (1-based): `unavailable` answers 503 without delivering;
   * `lost-response` delivers, then holds the answer for 2 s (the sender times out first).
   */
  fault?: (request: number) => 'unavailable' | 'lost-response' | undefined;
}

/** A running stand-in. */
export interface StandInProvider {
  /** Base URL to configure both an `alimtalk` and an `fcm` provider with. */
  url: string;
  /** Deliveries per recipient (repeats with a known client key are not deliveries under dedupe). */
  deliveries: Map<string, number>;
  /** Arrival time (ms, monotonic) and units of every admitted request. */
  arrivals: { at: number; units: number }[];
  stats(): { delivered: number; admitted: number; rejected: number; requests: number; maxWindow: number };
  close(): Promise<void>;
}

/** Largest sum of units within any closed 1000 ms window of arrivals (two pointers). */
export function maxSlidingWindow(arrivals: readonly { at: number; units: number }[], windowMs = 1000): number {
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < arrivals.length; hi++) {
    const a = arrivals[hi] as { at: number; units: number };
    sum += a.units;
    while ((arrivals[lo] as { at: number }).at < a.at - windowMs) sum -= (arrivals[lo++] as { units: number }).units;
    best = Math.max(best, sum);
  }
  return best;
}

/** Starts the stand-in on 127.0.0.1, port 0. */
export async function startStandInProvider(options: StandInOptions = {}): Promise<StandInProvider> {
  const track = options.track ?? true;
  const deliveries = new Map<string, number>();
  const accepted = new Map<string, string>();
  const arrivals: { at: number; units: number }[] = [];
  const recent: { at: number; units: number }[] = [];
  let recentSum = 0;
  let admitted = 0;
  let rejected = 0;
  let requests = 0;
  let delivered = 0;
  let seq = 0;
  let windowMax = 0;

  /** Admits `units` now if the sliding window allows; records the arrival. */
  const admit = (units: number): boolean => {
    const now = performance.now();
    while (recent.length > 0 && (recent[0] as { at: number }).at < now - 1000) recentSum -= (recent.shift() as { units: number }).units;
    if (options.limit !== undefined && recentSum + units > options.limit) {
      rejected += units;
      return false;
    }
    recent.push({ at: now, units });
    recentSum += units;
    windowMax = Math.max(windowMax, recentSum);
    admitted += units;
    if (track) arrivals.push({ at: now, units });
    return true;
  };
  /** Delivers one message; returns [messageId, duplicate]. */
  const deliver = (recipient: string, clientKey: string | undefined): [string, boolean] => {
    if (options.dedupe && clientKey !== undefined) {
      const original = accepted.get(clientKey);
      if (original) return [original, true];
    }
    const id = `m${++seq}`;
    if (options.dedupe && clientKey !== undefined) accepted.set(clientKey, id);
    delivered++;
    if (track) deliveries.set(recipient, (deliveries.get(recipient) ?? 0) + 1);
    return [id, false];
  };
  const pause = () => (options.latencyMs ? new Promise((r) => setTimeout(r, options.latencyMs)) : undefined);
  const held = new Set<() => void>();
  /** Holds a lost response until it is released or the server closes. */
  const hold = () =>
    new Promise<void>((resolve) => {
      const release = () => {
        held.delete(release);
        resolve();
      };
      held.add(release);
      setTimeout(release, 2000);
    });

  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  app.post('/alimtalk/v2.3/appkeys/:appKey/messages', async (request, reply) => {
    const fault = options.fault?.(++requests);
    await pause();
    if (fault === 'unavailable')
      return reply.code(503).send({ header: { isSuccessful: false, resultCode: -9999, resultMessage: 'unavailable' } });
    const body = request.body as { recipientList?: { recipientNo: string; clientKey?: string }[] };
    const list = body.recipientList ?? [];
    if (list.length < 1 || list.length > 1000) {
      return reply
        .code(400)
        .header('resultCode', '-1000')
        .send({ header: { isSuccessful: false, resultCode: -1000, resultMessage: 'bad list' } });
    }
    if (!admit(list.length)) {
      return reply
        .code(429)
        .header('retry-after', '1')
        .send({ header: { isSuccessful: false, resultCode: -2001, resultMessage: 'TPS limit exceeded' } });
    }
    const sendResults = list.map((r, i) => {
      const [messageId, duplicate] = deliver(r.recipientNo, r.clientKey);
      return {
        recipientSeq: i + 1,
        recipientNo: r.recipientNo,
        clientKey: r.clientKey,
        resultCode: duplicate ? -1005 : 0,
        resultMessage: duplicate ? 'duplicate' : 'success',
        messageId,
      };
    });
    if (fault === 'lost-response') await hold();
    return { header: { isSuccessful: true, resultCode: 0, resultMessage: 'success' }, message: { requestId: `r${requests}`, sendResults } };
  });
  app.post('/v1/projects/:project/messages::send', async (request, reply) => {
    const fault = options.fault?.(++requests);
    await pause();
    if (fault === 'unavailable') {
      return reply
        .code(503)
        .header('retry-after', '0')
        .send({ error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } });
    }
    const { message } = request.body as { message: { token: string; data?: Record<string, string> } };
    if (!admit(1)) {
      return reply
        .code(429)
        .header('retry-after', '1')
        .send({
          error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED', details: [{ errorCode: 'QUOTA_EXCEEDED' }] },
        });
    }
    const [id] = deliver(message.token, message.data?.client_key);
    if (fault === 'lost-response') await hold();
    return { name: `projects/${(request.params as { project: string }).project}/messages/${id}` };
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    deliveries,
    arrivals,
    stats: () => ({ delivered, admitted, rejected, requests, maxWindow: track ? maxSlidingWindow(arrivals) : windowMax }),
    close: async () => {
      for (const release of [...held]) release();
      await app.close();
    },
  };
}
