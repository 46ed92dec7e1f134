// Jest global setup for every project (jest.preset.js): before any test runs, the real services
// must answer. Order of sources for the endpoints:
//   1. variables already in the environment (CI, your own services),
//   2. .stack/env written by `scripts/stack.sh up`,
//   3. with neither, and a Docker engine answering: containers started with testcontainers,
//   4. otherwise `bash scripts/stack.sh up` (installs and starts the local stack).
// When the services still do not answer, this throws: integration tests never skip.
// SKOLKONTO_TEST_STACK=local|containers forces step 4 or 3.
// Plain JavaScript on purpose: it runs before any transform and must not depend on a build.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');

const root = path.resolve(__dirname, '../../../..');
const envFile = process.env.STACK_ENV_FILE || path.join(root, '.stack/env');
const STACK_KEYS = [
  'NATS_URL',
  'DATABASE_ADMIN_URL',
  'LDAP_URL',
  'LDAP_CA_FILE',
  'LDAP_BIND_DN',
  'LDAP_BIND_PASSWORD',
  'LDAP_BASE_DN',
  'AD_REALM',
];

module.exports = async function globalSetup() {
  ensurePrismaClient();
  const userKeys = STACK_KEYS.filter((key) => process.env[key]);
  const fromFile = loadEnvFile();
  const mode = process.env.SKOLKONTO_TEST_STACK;

  if (
    mode === 'containers' ||
    (!mode && userKeys.length === 0 && fromFile.length === 0 && (await dockerAnswers()))
  ) {
    const { startContainers } = require('./containers');
    Object.assign(process.env, await startContainers(root));
  }

  let problems = await unreachable();
  if (problems.length > 0 && mode !== 'containers') {
    log(`not reachable: ${problems.join('; ')} — running scripts/stack.sh up`);
    bringStackUp(fromFile);
    problems = await unreachable();
  }
  if (problems.length > 0) {
    throw new Error(
      `Integration tests need the real stack, and it is not reachable: ${problems.join('; ')}. ` +
        'Run `npm run stack -- up` and read its output, or set the endpoints (see libs/testing/README.md).',
    );
  }
};

function log(message) {
  process.stderr.write(`[test stack] ${message}\n`);
}

/** Runs the stack script (it serializes itself with a lock); its settings then replace the file's. */
function bringStackUp(keysFromFile) {
  const env = { ...process.env };
  for (const key of keysFromFile) delete env[key]; // stale values from an old .stack/env must not win
  const result = spawnSync('bash', [path.join(root, 'scripts/stack.sh'), 'up'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 20 * 60_000,
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `scripts/stack.sh up failed (${result.error ? result.error.message : `exit ${result.status}`}); ` +
        'integration tests cannot run without NATS, PostgreSQL and Samba AD. See the output above.',
    );
  }
  for (const key of keysFromFile) delete process.env[key];
  loadEnvFile();
}

/** Copies .stack/env into process.env without overriding; returns the keys it set. */
function loadEnvFile() {
  if (!fs.existsSync(envFile)) return [];
  const loaded = [];
  for (const line of fs.readFileSync(envFile, 'utf8').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    if (!process.env[match[1]]) {
      process.env[match[1]] = match[2].trim();
      loaded.push(match[1]);
    }
  }
  return loaded;
}

/** The generated Prisma client is not committed; generate it once (under the team's lock). */
function ensurePrismaClient() {
  const client = path.join(root, 'libs/persistence/src/generated/prisma/client.ts');
  if (fs.existsSync(client)) return;
  log('generating the Prisma client');
  const result = spawnSync(
    'flock',
    ['/tmp/prisma.lock', 'sh', '-c', `test -f "${client}" || node scripts/prisma-generate.mjs`],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000 },
  );
  if (result.error || result.status !== 0 || !fs.existsSync(client)) {
    throw new Error(
      `Generating the Prisma client failed (${result.error ? result.error.message : `exit ${result.status}`}).`,
    );
  }
}

/** Names every service that does not answer; empty when all do. */
async function unreachable() {
  const missing = STACK_KEYS.filter((key) => !process.env[key]);
  if (missing.length > 0) return [`settings missing: ${missing.join(', ')}`];
  const checks = await Promise.all([
    checkNats(process.env.NATS_URL).then((ok) => ok || `NATS with JetStream at ${process.env.NATS_URL}`),
    checkTcp(process.env.DATABASE_ADMIN_URL, 5432).then(
      (ok) => ok || `PostgreSQL at ${process.env.DATABASE_ADMIN_URL}`,
    ),
    checkLdaps(process.env.LDAP_URL, process.env.LDAP_CA_FILE).then(
      (ok) => ok || `LDAPS at ${process.env.LDAP_URL} verified with ${process.env.LDAP_CA_FILE}`,
    ),
  ]);
  return checks.filter((check) => check !== true);
}

function endpoint(urlText, defaultPort) {
  const url = new URL(urlText.replace(/^[a-z]+:/, 'http:'));
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || defaultPort) };
}

function checkTcp(urlText, defaultPort) {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint(urlText, defaultPort));
    socket.setTimeout(3000, () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
    socket.on('connect', () => (socket.destroy(), resolve(true)));
  });
}

/** The server's INFO line says whether JetStream is enabled. */
function checkNats(urlText) {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint(urlText, 4222));
    let buffer = '';
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.setTimeout(3000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n');
      if (end < 0) return;
      try {
        done(buffer.startsWith('INFO ') && JSON.parse(buffer.slice(5, end)).jetstream === true);
      } catch {
        done(false);
      }
    });
  });
}

function checkLdaps(urlText, caFile) {
  return new Promise((resolve) => {
    let ca;
    try {
      ca = fs.readFileSync(caFile);
    } catch {
      return resolve(false);
    }
    const { host, port } = endpoint(urlText, 636);
    const socket = tls.connect({ host, port, ca, servername: net.isIP(host) ? undefined : host });
    socket.setTimeout(5000, () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
    socket.on('secureConnect', () => (socket.end(), resolve(true)));
  });
}

/** A Docker engine answers /_ping on DOCKER_HOST or the default socket. */
function dockerAnswers() {
  const dockerHost = process.env.DOCKER_HOST;
  let options;
  if (!dockerHost) options = { socketPath: '/var/run/docker.sock' };
  else if (dockerHost.startsWith('unix://')) options = { socketPath: dockerHost.slice('unix://'.length) };
  else if (dockerHost.startsWith('tcp://')) options = endpoint(dockerHost, 2375);
  else return Promise.resolve(false);
  if (options.socketPath && !fs.existsSync(options.socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const http = require('node:http');
    const request = http.get({ ...options, path: '/_ping', timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => (request.destroy(), resolve(false)));
    request.on('error', () => resolve(false));
  });
}
