/**
 * The dispatcher as its own process (deployments, crash tests):
 *   node --import tsx dispatcher/main.ts --config dispatcher.yaml [--db FILE] [--port N]
 * Prints one JSON line `{"url": ...}` when it listens; SIGINT/SIGTERM close it cleanly. The
 * CLI's `floodgate dispatcher` is the same with file:line:column config errors.
 */
import { serveFromArgs } from './serve.ts';

serveFromArgs();
