#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between install and use.
// SIGINT/SIGTERM keep Node's default (exit at once): the state store is consistent at any
// instant, so running the same command again resumes.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
