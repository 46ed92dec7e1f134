#!/usr/bin/env node
// A subscriber that knows skolkonto only from its AsyncAPI document: it consumes identity events with
// the plain `nats` client, validates each against the JSON Schema in docs/asyncapi.yaml with ajv,
// drops stale versions, and acks. No skolkonto code is imported.
//
//   node examples/identity-subscriber/subscribe.mjs            (runs until Ctrl-C)
//   NATS_URL=nats://host:4222 MAX_MESSAGES=10 node …/subscribe.mjs
//
// Env: NATS_URL (default nats://127.0.0.1:4222), ASYNCAPI (default docs/asyncapi.yaml),
// NATS_NAMESPACE (only for test setups that prefix subjects/streams), DURABLE (default
// example-identity-subscriber), MAX_MESSAGES (exit after that many; default: run forever).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { AckPolicy, connect, DeliverPolicy } from 'nats';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const asyncapiPath = process.env.ASYNCAPI ?? resolve(here, '../../docs/asyncapi.yaml');
const namespace = process.env.NATS_NAMESPACE || '';
const maxMessages = process.env.MAX_MESSAGES ? Number(process.env.MAX_MESSAGES) : Infinity;
const durable = process.env.DURABLE ?? 'example-identity-subscriber';

// 1. Schemas from the contract: one validator per CloudEvents type of the identity channels.
const doc = parse(readFileSync(asyncapiPath, 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, 'asyncapi');
const validators = new Map();
for (const [id, message] of Object.entries(doc.components.messages)) {
  if (!message.title.startsWith('se.skolkonto.identity.person.')) continue;
  validators.set(message.title, ajv.compile({ $ref: `asyncapi#/components/messages/${id}/payload` }));
}

// 2. A durable pull consumer of our own on the IDENTITY stream (one filter subject: NATS 2.9).
const prefix = namespace ? `${namespace}.` : '';
const stream = namespace ? `${namespace.toUpperCase()}_IDENTITY` : 'IDENTITY';
const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: durable });
const jsm = await nc.jetstreamManager();
await jsm.consumers.add(stream, {
  durable_name: durable,
  filter_subject: `${prefix}identity.*.person.*`,
  ack_policy: AckPolicy.Explicit,
  deliver_policy: DeliverPolicy.All,
  max_deliver: 5,
});
const consumer = await nc.jetstream().consumers.get(stream, durable);
const messages = await consumer.consume({ max_messages: 64 });
console.log(`ready: ${stream} ${prefix}identity.*.person.* as ${durable}`);

// 3. Event-carried state: keep the latest version per identity, ignore anything older.
const identities = new Map();
let handled = 0;
for await (const m of messages) {
  let event;
  try {
    event = JSON.parse(new TextDecoder().decode(m.data));
  } catch {
    console.log(`rejected seq ${m.seq}: not JSON`);
    m.term();
  }
  if (event) {
    const validate = validators.get(event.type);
    if (!validate) {
      console.log(`rejected seq ${m.seq}: unknown type ${event.type}`);
      m.term();
    } else if (!validate(event)) {
      console.log(`rejected seq ${m.seq}: ${ajv.errorsText(validate.errors)}`);
      m.term();
    } else {
      const { identityId, version, status, names } = event.data;
      const last = identities.get(identityId);
      if (last !== undefined && version <= last.version) {
        console.log(`stale ${identityId} v${version} (have v${last.version})`);
      } else {
        identities.set(identityId, event.data);
        // Protected identities carry neutral names (names.protected): never look the real ones up.
        console.log(`applied ${event.type} ${identityId} v${version} ${status} ${names.protected ? '(protected)' : names.displayName}`);
      }
      m.ack();
    }
  }
  if (++handled >= maxMessages) break;
}
await nc.drain();
