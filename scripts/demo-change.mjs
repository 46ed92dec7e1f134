#!/usr/bin/env node
// npm run demo:change: makes the register changes of an ordinary school day in the running demo —
// a new pupil in Skara, a class change in Lidköping, a leaver in Götene and a pupil moving from
// Skara to Lidköping — through the simulator's admin API. Each change fires the register's
// webhooks, so it shows on the ops console and in AD within seconds.
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

const pick = (items) => items[Math.floor(Math.random() * items.length)];
const GIVEN = ['Åsa', 'Elsa', 'Noah', 'Märta', 'Björn', 'Saga', 'Ölvir', 'Linnéa', 'Hugo', 'Ebba'];
const FAMILY = ['Öberg', 'Lindqvist', 'Åkesson', 'Nyström', 'Ek-Sjöberg', 'Håkansson', 'Karlsson'];

async function pupils(tenant) {
  const people = await admin('GET', `/tenants/${tenant}/persons?kind=pupil&limit=200`);
  return people.filter((person) => person.personStatus !== 'Avliden' && person.classes.length > 0 && person.securityMarking === 'Ingen');
}

const classIdOf = (label) => /\(([^)]+)\)$/.exec(label)?.[1];

async function main() {
  const done = [];

  const given = pick(GIVEN);
  const family = pick(FAMILY);
  const enrolled = await admin('POST', '/tenants/skara/enrol', { givenName: given, familyName: family, schoolYear: 1 + Math.floor(Math.random() * 8) });
  done.push(`new pupil in Skara: ${given} ${family} (${enrolled.personId ?? enrolled.id ?? 'enrolled'})`);

  const lidkoping = await pupils('lidkoping');
  const mover = pick(lidkoping);
  const current = classIdOf(mover.classes[0]);
  const classes = await admin('GET', '/tenants/lidkoping/groups?groupType=Klass&limit=500');
  const currentClass = classes.find((group) => group.id === current);
  const target = pick(classes.filter((group) => group.id !== current && group.organisation?.id === currentClass?.organisation?.id)) ?? pick(classes.filter((group) => group.id !== current));
  await admin('POST', `/tenants/lidkoping/persons/${mover.id}/change-class`, { classId: target.id });
  done.push(`class change in Lidköping: ${mover.name} → ${target.displayName}`);

  const leaver = pick(await pupils('gotene'));
  await admin('POST', `/tenants/gotene/persons/${leaver.id}/leave`, {});
  done.push(`leaver in Götene: ${leaver.name} (enrolment ends today)`);

  const moving = pick((await pupils('skara')).filter((person) => person.id !== enrolled.personId));
  await admin('POST', `/tenants/skara/persons/${moving.id}/move`, { toTenant: 'lidkoping' });
  done.push(`move from Skara to Lidköping: ${moving.name}`);

  console.log(`register changes made (watch them on the ops console, http://127.0.0.1:3005/):\n${done.map((line) => `  - ${line}`).join('\n')}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
