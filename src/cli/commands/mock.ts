import { resolve } from 'node:path';
import { createMockProviders, MocksConfig, type MocksConfigInput } from '../../../mock-providers/index.ts';
import { loadConfigFile } from '../../config/index.ts';
import { ExitCode, InputError } from '../../core/index.ts';
import { numberFlag, parseCommandArgs } from '../args.ts';
import type { Command } from '../io.ts';
import { listenError } from '../listen-error.ts';

const USAGE = `Usage: floodgate mock [--config mocks.yaml] [--port N] [--host ADDR] [--token T]

Serves the mock providers (FCM, SES, SendGrid, an Alimtalk broker, an SMS gateway) until Ctrl-C,
on 127.0.0.1 unless told otherwise. Without --config, all five run with their defaults. Each provider's base
URL is printed (configure your dispatcher with it), followed by the admin API that
\`floodgate run --mocks URL\` uses (/__mock/runs, /__mock/<provider>/stats, /deliveries, /config,
/reset, /duplicates, /callbacks, /journal), /healthz and Prometheus /metrics.
See mock-providers/README.md.

Options:
  -c, --config FILE   mocks.yaml (host, port, token, seed, providers: { <name>: { kind, tps, ... } })
  -p, --port N        port to listen on (overrides the file; 0 = any free port)
      --host ADDR     address to listen on (overrides the file; default 127.0.0.1). Beyond loopback
                      (e.g. 0.0.0.0 in a container) a token is required.
      --token T       the admin API's bearer token (overrides the file); default: the environment's
                      FLOODGATE_MOCK_TOKEN. With a token, every /__mock request needs
                      \`Authorization: Bearer T\`; /healthz and /metrics stay open.
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
      host: { type: 'string' },
      token: { type: 'string' },
    });
    const port = numberFlag('mock', 'port', values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new InputError('FG_USAGE', `floodgate mock: --port expects an integer from 0 to 65535, got "${values.port}"`);
    }
    const config = values.config ? await loadConfigFile(MocksConfig, resolve(io.cwd, values.config)) : MocksConfig.parse({});
    // The parsed config parses again to itself, so it can be handed to the factory as input.
    const token = values.token ?? config.token ?? (io.env.FLOODGATE_MOCK_TOKEN || null);
    const input = {
      ...config,
      ...(port === undefined ? {} : { port }),
      ...(values.host === undefined ? {} : { host: values.host }),
      token,
    } as MocksConfigInput;
    const mocks = createMockProviders(input);
    let listening: Awaited<ReturnType<typeof mocks.listen>>;
    try {
      listening = await mocks.listen();
    } catch (error) {
      await mocks.close();
      throw listenError(error, 'floodgate mock', input.host ?? config.host, input.port ?? config.port);
    }
    const { urls, adminUrl } = listening;
    const width = Math.max(...Object.keys(urls).map((n) => n.length), 'admin'.length);
    for (const [name, url] of Object.entries(urls)) {
      io.stdout.write(`${name.padEnd(width)}  ${url}  (${mocks.providers[name]?.kind})\n`);
    }
    io.stdout.write(`${'admin'.padEnd(width)}  ${adminUrl}${token ? '  (bearer token required)' : ''}\n`);
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
