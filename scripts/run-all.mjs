#!/usr/bin/env node
// Starts every app as its own process with prefixed logs, waits until each answers /health,
// prints where to go, and stops them all cleanly on Ctrl-C (SIGINT/SIGTERM).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');

export const APPS = [
  { name: 'register-simulator', port: 3006, color: 90 },
  // Subscribes to the simulator's webhooks at this address, so changes arrive in seconds, not at the next pull.
  { name: 'register-ingest', port: 3001, color: 36, env: { INGEST_PUBLIC_URL: 'http://127.0.0.1:3001' } },
  { name: 'identity-normalizer', port: 3002, color: 35 },
  { name: 'ad-provisioner', port: 3003, color: 33 },
  { name: 'federation-publisher', port: 3004, color: 32 },
  // Demo only: the dashboard's "school day's register changes" button calls the simulator (token below).
  { name: 'ops-console', port: 3005, color: 34, env: { DEMO_REGISTER_URL: 'http://127.0.0.1:3006' } },
  // The public claim page on 3007; its internal admin API (for the console) on 3008, loopback only.
  { name: 'claim-portal', port: 3007, color: 31, env: { CLAIM_ADMIN_PORT: '3008' } },
];

function parseEnvFile(path) {
  if (!existsSync(path)) return {};
  const env = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    // An empty value (as in a copied .env.example) means "not set here", never "set to empty".
    if (match && match[2] !== '') env[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/**
 * Demo secrets are generated once per checkout (missing ones are added later), never committed,
 * and shared by the apps that need them.
 */
export const DEMO_SECRET_KEYS = [
  ...['LIDKOPING', 'SKARA', 'GOTENE', 'ESSUNGA'].flatMap((t) => [`REGISTER_TOKEN_${t}`, `WEBHOOK_SECRET_${t}`, `FEDERATION_SECRET_${t}`]),
  'SIMULATOR_ADMIN_TOKEN',
  'PROVISIONER_ADMIN_TOKEN',
  'INGEST_API_TOKEN',
  'FEDERATION_IDP_TOKEN',
  'CONSOLE_SESSION_SECRET',
  'CLAIM_ADMIN_TOKEN',
  'CLAIM_SESSION_SECRET',
];

function demoSecrets() {
  const path = join(root, '.stack/demo.env');
  const existing = parseEnvFile(path);
  const missing = DEMO_SECRET_KEYS.filter((key) => !existing[key]);
  if (missing.length > 0) {
    const lines = Object.entries(existing).map(([key, value]) => `${key}=${value}`);
    for (const key of missing) lines.push(`${key}=${randomBytes(24).toString('base64url')}`);
    writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  }
  const secrets = parseEnvFile(path);
  // The simulator reads its admin token as SIM_ADMIN_TOKEN; the console's demo button sends it.
  return { ...secrets, SIM_ADMIN_TOKEN: secrets.SIMULATOR_ADMIN_TOKEN, DEMO_REGISTER_TOKEN: secrets.SIMULATOR_ADMIN_TOKEN };
}

const baseEnv = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/skolkonto',
  NATS_URL: 'nats://127.0.0.1:4222',
  TENANTS_FILE: join(root, 'config/tenants.yaml'),
  // Where the console reaches claim-portal's admin API (with CLAIM_ADMIN_TOKEN).
  CLAIM_ADMIN_URL: 'http://127.0.0.1:3008',
  CLAIM_PUBLIC_URL: 'http://127.0.0.1:3007',
  ...parseEnvFile(join(root, '.stack/env')),
  ...demoSecrets(),
  ...parseEnvFile(join(root, '.env')),
  ...process.env,
};

const children = new Map();
let stopping = false;

function start(app) {
  const main = join(root, 'apps', app.name, 'dist/main.js');
  if (!existsSync(main)) throw new Error(`${app.name} is not built (${main} missing): run npm run build`);
  const prefix = `\x1b[${app.color}m${app.name.padEnd(21)}\x1b[0m|`;
  const child = spawn(process.execPath, ['--enable-source-maps', main], {
    cwd: root,
    env: { ...baseEnv, PORT: String(app.port), ...(app.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix} ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    children.delete(app.name);
    if (!stopping) {
      process.stdout.write(`${prefix} exited (${signal ?? code}); stopping everything\n`);
      stopAll(1);
    }
  });
  children.set(app.name, child);
}

async function waitHealthy(app, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (stopping) return false;
    try {
      const response = await fetch(`http://127.0.0.1:${app.port}/health`);
      if (response.ok) return true;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${app.name} did not become healthy within ${timeoutMs / 1000}s (${last})`);
}

async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nstopping all apps…\n');
  for (const child of children.values()) child.kill('SIGTERM');
  const deadline = Date.now() + 15_000;
  while (children.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const child of children.values()) child.kill('SIGKILL');
  process.exit(code);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function adminLogin() {
  const file = join(root, '.stack/demo-admin.txt');
  if (!existsSync(file)) return 'create an admin with: npm run console -- create-admin <username>';
  const [user, password] = readFileSync(file, 'utf8').trim().split('\n').map((line) => line.split(': ')[1]);
  return `log in as ${user} / ${password}  (kept in .stack/demo-admin.txt)`;
}

async function main() {
  const only = process.argv.slice(2);
  const apps = only.length ? APPS.filter((app) => only.includes(app.name)) : APPS;
  for (const app of apps) start(app);
  await Promise.all(apps.map((app) => waitHealthy(app)));
  const console_ = apps.find((app) => app.name === 'ops-console');
  process.stdout.write(`
\x1b[1mskolkonto is running\x1b[0m — all ${apps.length} apps report healthy.
${apps.map((app) => `  ${app.name.padEnd(21)} http://127.0.0.1:${app.port}  (/health, /metrics)`).join('\n')}
${console_ ? `\n  Ops console: http://127.0.0.1:${console_.port}/  — ${adminLogin()}` : ''}${apps.some((app) => app.name === 'claim-portal') ? '\n  Claim page (first password with a claim code): http://127.0.0.1:3007/' : ''}
  Make register changes:  npm run demo:change
  Stop: Ctrl-C
`);
}

main().catch((error) => {
  process.stderr.write(`${error.message}\n`);
  stopAll(1);
});
