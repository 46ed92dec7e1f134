#!/usr/bin/env node
// npm run demo:change: makes the register changes of an ordinary school day in the running demo —
// a new pupil in Skara, a class change in Lidköping, a leaver in Götene and a pupil moving from
// Skara to Lidköping — in one call to the simulator's admin API (POST /admin/scenarios/school-day).
// Each change fires the register's webhooks, so it shows on the ops console and in AD within seconds.
//   SIMULATOR_URL (default http://127.0.0.1:3006), SIMULATOR_ADMIN_TOKEN (or .stack/demo.env)
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const demoEnv = join(root, '.stack/demo.env');
const fromFile = existsSync(demoEnv)
  ? Object.fromEntries(
      readFileSync(demoEnv, 'utf8')
        .split('\n')
        .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line))
        .filter(Boolean)
        .map((match) => [match[1], match[2]]),
    )
  : {};
const token = process.env.SIMULATOR_ADMIN_TOKEN ?? fromFile.SIMULATOR_ADMIN_TOKEN;
const base = (process.env.SIMULATOR_URL ?? 'http://127.0.0.1:3006').replace(/\/+$/, '');
if (!token) {
  console.error('no SIMULATOR_ADMIN_TOKEN: start the demo with npm start first (it writes .stack/demo.env)');
  process.exit(2);
}

async function admin(method, path, body) {
  let response;
  try {
    response = await fetch(`${base}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new Error(`the register simulator does not answer at ${base} (${error.cause?.code ?? error.message}); is npm start running?`);
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  // The simulator makes the four changes itself (POST /admin/scenarios/school-day), so the script
  // and the ops console's button do exactly the same thing.
  const { changes } = await admin('POST', '/scenarios/school-day');
  console.log(
    `register changes made (watch them on the ops console, http://127.0.0.1:3005/):\n${changes.map((change) => `  - ${change.description}`).join('\n')}`,
  );
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
