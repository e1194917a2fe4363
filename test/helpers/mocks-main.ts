/**
 * floodgate's mock providers as their own process, for end-to-end tests and benchmarks that must
 * keep the runner's event loop to itself (on a shared 2-core machine, mocks in the runner's
 * process delayed its loop past the 50 ms tolerance and made runs INVALID):
 *   node --import tsx test/helpers/mocks-main.ts '<MocksConfig JSON>'
 * Prints one JSON line `{"url", "adminUrl", "urls", "pid"}` when it listens; SIGTERM or SIGINT
 * closes it.
 */
import { createMockProviders } from '../../mock-providers/index.ts';

const config = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof createMockProviders>[0];
const mocks = createMockProviders({ ...config, host: '127.0.0.1', port: 0 });
const { urls, adminUrl } = await mocks.listen();
const url = adminUrl.replace(/\/__mock$/, '');
process.stdout.write(`${JSON.stringify({ url, adminUrl, urls, pid: process.pid })}\n`);
const stop = async () => {
  await mocks.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
