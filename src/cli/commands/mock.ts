import { resolve } from 'node:path';
import { createMockProviders, MocksConfig, type MocksConfigInput } from '../../../mock-providers/index.ts';
import { loadConfigFile } from '../../config/index.ts';
import { ExitCode, InputError } from '../../core/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';

const USAGE = `Usage: floodgate mock [--config mocks.yaml] [--port N]

Serves the mock providers (FCM, SES, SendGrid, an Alimtalk broker) on loopback until Ctrl-C.
Without --config, all four run with their defaults. Each provider's base URL is printed,
followed by the admin API (/__mock/<provider>/stats, /config, /reset, /duplicates,
/callbacks, /journal) and Prometheus /metrics. See mock-providers/README.md.

Options:
  -c, --config FILE   mocks.yaml (host, port, seed, providers: { <name>: { kind, tps, ... } })
  -p, --port N        port to listen on (overrides the file; 0 = any free port)
`;

/** `floodgate mock`: the mock providers as a standalone server (e.g. for a Spring dispatcher). */
export const mockCommand: Command = {
  name: 'mock',
  summary: 'serve mock FCM, SES, SendGrid and Alimtalk providers with real limits',
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs('mock', argv, {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
    });
    const port = numberFlag('mock', 'port', values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new InputError('FG_USAGE', `floodgate mock: --port expects an integer from 0 to 65535, got "${values.port}"`);
    }
    const config = values.config ? await loadConfigFile(MocksConfig, resolve(io.cwd, values.config)) : MocksConfig.parse({});
    // The parsed config parses again to itself, so it can be handed to the factory as input.
    const input = { ...config, ...(port === undefined ? {} : { port }) } as MocksConfigInput;
    const mocks = createMockProviders(input);
    const { urls, adminUrl } = await mocks.listen();
    const width = Math.max(...Object.keys(urls).map((n) => n.length), 'admin'.length);
    for (const [name, url] of Object.entries(urls)) {
      io.stdout.write(`${name.padEnd(width)}  ${url}  (${mocks.providers[name]?.kind})\n`);
    }
    io.stdout.write(`${'admin'.padEnd(width)}  ${adminUrl}\n`);
    io.stdout.write('Ctrl-C to stop.\n');
    await new Promise<void>((done) => {
      if (io.signal.aborted) return done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await mocks.close();
    io.stdout.write('mock providers stopped\n');
    return ExitCode.Pass;
  },
};
