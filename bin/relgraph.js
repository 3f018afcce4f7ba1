#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so `npx relgraph` works right after `npm ci`: no build step.
import { register } from "tsx/esm/api";

// graphql-js checks every `instanceof` twice outside production (a third of a large response's
// execution time); set before the server's modules load. An explicit NODE_ENV wins.
process.env.NODE_ENV ??= "production";

register();
const { runCli } = await import("../src/cli/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
