#!/usr/bin/env node
// floodgate is written in TypeScript and run through tsx's loader, so there is no build step
// between a clone and the first run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/process.ts');
await main();
