#!/usr/bin/env node
// npm run register -- <command> …: changes the simulated SS 12000 registers the way real life does,
// through the simulator's admin API. Each change bumps meta.modified and fires the register's
// webhooks, so the whole pipeline (ingest → normalizer → AD → federation) reacts.
//   SIMULATOR_URL   default http://127.0.0.1:3006
//   SIM_ADMIN_TOKEN (or SIMULATOR_ADMIN_TOKEN, or .stack/demo.env written by npm start)
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

const HELP = `usage: npm run register -- <command> [args] [--option value]

  tenants                                   registers, sizes and clocks
  find <tenant> [name] [--kind pupil|staff] [--limit n]
                                            people: id, name, classes (never civic numbers)
  groups <tenant> [--type Klass] [--name 7A] [--limit n]
  enrol <tenant> --given Åsa --family Öberg [--middle Maria] [--year 3] [--unit <id|schoolUnitCode>]
        [--class <groupId>] [--date YYYY-MM-DD] [--person <id> (enrol an existing person)]
  change-class <tenant> <personId> <classId> [--date YYYY-MM-DD]
  rename <tenant> <personId> [--given G] [--middle M|""] [--family F]
  leave <tenant> <personId> [--date YYYY-MM-DD]      enrolments and memberships end (inclusive)
  move <tenant> <personId> <toTenant> [--unit <id|code>] [--date YYYY-MM-DD]
  protect <tenant> <personId> [--marking "Skyddad folkbokföring"|Sekretessmarkering|Ingen]
  deceased <tenant> <personId> [--date YYYY-MM-DD]   personStatus Avliden
  emigrated <tenant> <personId> [--date YYYY-MM-DD]  personStatus Utvandrad
  delete <tenant> <persons|groups|duties|organisations> <id>
  add-member <tenant> <groupId> <personId>
  remove-member <tenant> <groupId> <personId>
  reseed <tenant> [--persons 20000] [--seed 12000]
  fault add --kind <status|rateLimit|delay|endlessTokens|repeatToken|inclusiveAfter|invalidJson>
            [--tenant t] [--entity persons] [--page 3] [--status 500] [--times 1]
            [--retry-after 2] [--delay-ms 5000]
  fault list | fault clear | fault remove <id>
  webhooks [tenant]                         recent webhook deliveries
`;

function parseEnvFile(path) {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2]]),
  );
}

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const key = arg.slice(2);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) options[key] = 'true';
      else {
        options[key] = next;
        i++;
      }
    } else positional.push(arg);
  }
  return { positional, options };
}

const num = (v) => (v === undefined ? undefined : Number(v));

export function toRequest(positional, o) {
  const [command, ...a] = positional;
  const need = (n, usage) => {
    if (a.length < n || a.slice(0, n).some((x) => !x)) throw new Error(`usage: ${usage}`);
  };
  const person = (t, id) => `/tenants/${encodeURIComponent(t)}/persons/${encodeURIComponent(id)}`;
  switch (command) {
    case 'tenants':
      return ['GET', '/tenants'];
    case 'find': {
      need(1, 'find <tenant> [name]');
      const q = new URLSearchParams();
      if (a[1]) q.set('name', a[1]);
      if (o.kind) q.set('kind', o.kind);
      if (o.limit) q.set('limit', o.limit);
      return ['GET', `/tenants/${encodeURIComponent(a[0])}/persons?${q}`];
    }
    case 'groups': {
      need(1, 'groups <tenant>');
      const q = new URLSearchParams();
      if (o.type) q.set('groupType', o.type);
      if (o.name) q.set('name', o.name);
      if (o.limit) q.set('limit', o.limit);
      return ['GET', `/tenants/${encodeURIComponent(a[0])}/groups?${q}`];
    }
    case 'enrol':
      need(1, 'enrol <tenant> --given G --family F');
      return [
        'POST',
        `/tenants/${encodeURIComponent(a[0])}/enrol`,
        {
          personId: o.person,
          givenName: o.given,
          middleName: o.middle,
          familyName: o.family,
          schoolYear: num(o.year),
          schoolUnit: o.unit,
          classId: o.class,
          startDate: o.date,
        },
      ];
    case 'change-class':
      need(3, 'change-class <tenant> <personId> <classId>');
      return ['POST', `${person(a[0], a[1])}/change-class`, { classId: a[2], date: o.date }];
    case 'rename':
      need(2, 'rename <tenant> <personId> [--given G] [--middle M] [--family F]');
      return [
        'POST',
        `${person(a[0], a[1])}/rename`,
        { givenName: o.given, middleName: o.middle, familyName: o.family },
      ];
    case 'leave':
      need(2, 'leave <tenant> <personId>');
      return ['POST', `${person(a[0], a[1])}/leave`, { endDate: o.date }];
    case 'move':
      need(3, 'move <tenant> <personId> <toTenant>');
      return ['POST', `${person(a[0], a[1])}/move`, { toTenant: a[2], schoolUnit: o.unit, date: o.date }];
    case 'protect':
      need(2, 'protect <tenant> <personId>');
      return [
        'POST',
        `${person(a[0], a[1])}/protect`,
        { securityMarking: o.marking ?? 'Skyddad folkbokföring' },
      ];
    case 'deceased':
      need(2, 'deceased <tenant> <personId>');
      return ['POST', `${person(a[0], a[1])}/status`, { personStatus: 'Avliden', date: o.date }];
    case 'emigrated':
      need(2, 'emigrated <tenant> <personId>');
      return ['POST', `${person(a[0], a[1])}/status`, { personStatus: 'Utvandrad', date: o.date }];
    case 'delete':
      need(3, 'delete <tenant> <entity> <id>');
      return [
        'DELETE',
        `/tenants/${encodeURIComponent(a[0])}/${encodeURIComponent(a[1])}/${encodeURIComponent(a[2])}`,
      ];
    case 'add-member':
      need(3, 'add-member <tenant> <groupId> <personId>');
      return [
        'POST',
        `/tenants/${encodeURIComponent(a[0])}/groups/${encodeURIComponent(a[1])}/members`,
        { personId: a[2], startDate: o.date },
      ];
    case 'remove-member':
      need(3, 'remove-member <tenant> <groupId> <personId>');
      return [
        'DELETE',
        `/tenants/${encodeURIComponent(a[0])}/groups/${encodeURIComponent(a[1])}/members/${encodeURIComponent(a[2])}`,
      ];
    case 'reseed':
      need(1, 'reseed <tenant> [--persons N] [--seed S]');
      return [
        'POST',
        `/tenants/${encodeURIComponent(a[0])}/reseed`,
        { persons: num(o.persons), seed: num(o.seed) },
      ];
    case 'fault':
      if (a[0] === 'list') return ['GET', '/faults'];
      if (a[0] === 'clear') return ['DELETE', '/faults'];
      if (a[0] === 'remove') return ['DELETE', `/faults/${encodeURIComponent(a[1] ?? '')}`];
      if (a[0] === 'add') {
        return [
          'POST',
          '/faults',
          {
            kind: o.kind,
            tenant: o.tenant,
            entity: o.entity,
            page: num(o.page),
            status: num(o.status),
            times: num(o.times),
            retryAfterSeconds: num(o['retry-after']),
            delayMs: num(o['delay-ms']),
          },
        ];
      }
      throw new Error('usage: fault add|list|clear|remove');
    case 'webhooks':
      return ['GET', `/webhook-deliveries${a[0] ? `?tenant=${encodeURIComponent(a[0])}` : ''}`];
    default:
      return undefined;
  }
}

async function main() {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (positional.length === 0 || positional[0] === 'help' || options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let request;
  try {
    request = toRequest(positional, options);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  if (!request) {
    process.stderr.write(`unknown command ${positional[0]}\n\n${HELP}`);
    return 2;
  }
  const demo = parseEnvFile(join(root, '.stack/demo.env'));
  const token =
    process.env.SIM_ADMIN_TOKEN ??
    process.env.SIMULATOR_ADMIN_TOKEN ??
    demo.SIM_ADMIN_TOKEN ??
    demo.SIMULATOR_ADMIN_TOKEN;
  if (!token) {
    process.stderr.write('no admin token: set SIM_ADMIN_TOKEN (npm start writes one to .stack/demo.env)\n');
    return 2;
  }
  const base = (process.env.SIMULATOR_URL ?? 'http://127.0.0.1:3006').replace(/\/+$/, '');
  const [method, path, body] = request;
  const clean = body && Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
  let response;
  try {
    response = await fetch(`${base}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(clean ? { 'content-type': 'application/json' } : {}) },
      body: clean ? JSON.stringify(clean) : undefined,
    });
  } catch (error) {
    process.stderr.write(
      `register simulator not reachable at ${base}: ${error.cause?.code ?? error.message}\n`,
    );
    return 1;
  }
  const text = await response.text();
  let output = text;
  try {
    output = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON
  }
  (response.ok ? process.stdout : process.stderr).write(`${output}\n`);
  return response.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
