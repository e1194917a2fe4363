import { InputError } from '../core/index.ts';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'is already in use (EADDRINUSE): stop what holds it, or choose another with --port (0 = any free port)',
  EACCES: 'needs privileges to listen on (EACCES): choose a port above 1023 with --port',
  EADDRNOTAVAIL: 'is on an address this machine does not have (EADDRNOTAVAIL): check the host',
};

/**
 * Turns a failure to listen into bad input (exit 4) naming the address and what is wrong; a busy
 * port is the user's to fix, not a defect. Any other error is returned unchanged.
 */
export function listenError(error: unknown, what: string, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code !== undefined && Object.hasOwn(REASONS, code) ? REASONS[code] : undefined;
  if (reason === undefined) return error;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new InputError('FG_INPUT_INVALID', `${what}: port ${port} on ${host} ${reason}`, {
    issues: [{ path: ['port'], message: `${address} ${reason.split(':')[0]}` }],
  });
}
