import { randomBytes } from 'node:crypto';
import {
  checkAccounts,
  createDispatcher,
  type DispatcherConfig,
  DispatcherConfigObject,
  parseDispatcherConfig,
} from '../../../dispatcher/index.ts';
import { loadConfigFile } from '../../config/index.ts';
import { InputError } from '../../core/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';
import { listenError } from '../listen-error.ts';

/**
 * The config file's schema: as the dispatcher's, but the token may come from the environment
 * instead (FLOODGATE_DISPATCHER_TOKEN), so a deployment keeps its secret out of the file and
 * shares one source with the clients that send it (docker-compose.yml).
 */
const DispatcherConfigFile = DispatcherConfigObject.extend({ token: DispatcherConfigObject.shape.token.optional() }).superRefine(
  checkAccounts,
);

const USAGE = `Usage: floodgate dispatcher [--db FILE|URL] [--port N] [--config FILE]

Runs the reference dispatcher: a durable outbox (SQLite, or PostgreSQL for several processes), provider-paced sending, the campaign,
message, delivery-report, metrics and health endpoints. Ctrl-C stops it cleanly (outcomes written,
unsent rows released).

Options:
  --config FILE   YAML config (token, providers, sender, ingest); see dispatcher/README.md
  --db FILE|URL   the outbox: an SQLite file or a postgres:// URL (overrides the config; default floodgate-dispatcher.db)
  --port N        port (overrides the config; default 8080, 0 = any)

Without a token in the config, FLOODGATE_DISPATCHER_TOKEN is used, or a random one is printed.
`;

/** `floodgate dispatcher`: serves the reference dispatcher until Ctrl-C. */
export const dispatcherCommand: Command = {
  name: 'dispatcher',
  summary: 'run the reference dispatcher (outbox, paced sender, API)',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('dispatcher', argv, {
      db: { type: 'string' },
      port: { type: 'string' },
      config: { type: 'string' },
    });
    if (positionals.length > 0) throw new InputError('FG_USAGE', `floodgate dispatcher: unexpected argument "${positionals[0]}"`);
    const port = numberFlag('dispatcher', 'port', values.port);
    const loaded = values.config ? await loadConfigFile(DispatcherConfigFile, values.config) : undefined;
    const known = loaded?.token ?? io.env.FLOODGATE_DISPATCHER_TOKEN;
    const generated = known === undefined ? randomBytes(16).toString('hex') : undefined;
    const token = known ?? (generated as string);
    const base: DispatcherConfig = loaded ? ({ ...structuredClone(loaded), token } as DispatcherConfig) : parseDispatcherConfig({ token });
    const config: DispatcherConfig = { ...base, ...(values.db ? { db: values.db } : {}), ...(port === undefined ? {} : { port }) };
    const dispatcher = createDispatcher(config);
    let url: string;
    try {
      url = await dispatcher.listen();
    } catch (error) {
      await dispatcher.close();
      throw listenError(error, 'floodgate dispatcher', config.host, config.port);
    }
    io.stdout.write(`floodgate dispatcher listening on ${url} (db ${config.db})\n`);
    if (generated) io.stdout.write(`token: ${generated}\n`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await dispatcher.close();
    io.stdout.write('floodgate dispatcher stopped\n');
    return 0;
  },
};
