// AsyncAPI 3.0 document generated from the catalog: one channel per event subject (tenant as a
// parameter), a receive operation per channel, CloudEvents envelope + data schema per message.
import { EVENT_CATALOG, EVENTS, STREAMS, type EventDefinition } from './catalog';
import { SAMPLE_EVENT_DATA } from './samples';
import { envelopeJsonSchema } from './schema/event-schemas';
import type { ClassConstructor } from './schema/decorators';
import { collectSchemaClasses, toJsonSchema, type JsonSchema } from './schema/json-schema';

export interface AsyncApiOptions {
  readonly version?: string;
  readonly natsHost?: string;
}

function channelId(definition: EventDefinition): string {
  const name = Object.entries(EVENTS).find(([, d]) => d === definition)?.[0];
  return `${name ?? definition.name.replace(/\./g, '-')}V${definition.version}`;
}

export function buildAsyncApiDocument(options: AsyncApiOptions = {}): Record<string, unknown> {
  const refFor = (name: string) => `#/components/schemas/${name}`;
  const schemas: Record<string, JsonSchema> = { CloudEventEnvelope: envelopeJsonSchema() };
  const owners = new Map<string, ClassConstructor>();
  for (const definition of EVENT_CATALOG) {
    for (const cls of collectSchemaClasses(definition.dataClass)) {
      const owner = owners.get(cls.name);
      if (owner && owner !== cls) throw new Error(`two contract classes are named ${cls.name}`);
      owners.set(cls.name, cls);
      schemas[cls.name] ??= toJsonSchema(cls, { refFor });
    }
  }

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const samples = SAMPLE_EVENT_DATA as unknown as Record<string, unknown>;
  for (const definition of EVENT_CATALOG) {
    const id = channelId(definition);
    const sampleKey = Object.entries(EVENTS).find(([, d]) => d === definition)?.[0] ?? '';
    const stream = STREAMS.find((s) => s.name === definition.stream)!;
    const restricted = definition.restricted ? ' RESTRICTED stream: personal data; subscribe only with an approved need.' : '';
    messages[id] = {
      name: definition.dataClass.name,
      title: definition.type,
      summary: definition.description,
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: {
          'Nats-Msg-Id': { type: 'string', description: 'The CloudEvent id (JetStream de-duplication).' },
          'Ce-Type': { type: 'string', const: definition.type },
          'Ce-Tenant': { type: 'string' },
          traceparent: { type: 'string' },
        },
      },
      payload: {
        allOf: [
          { $ref: refFor('CloudEventEnvelope') },
          {
            type: 'object',
            properties: { type: { const: definition.type }, data: { $ref: refFor(definition.dataClass.name) } },
          },
        ],
      },
      examples: samples[sampleKey]
        ? [
            {
              name: 'sample',
              payload: {
                id: '00000000-0000-4000-8000-000000000001',
                source: `/skolkonto/${definition.producer}`,
                specversion: '1.0',
                type: definition.type,
                subject: definition.subjectOf(samples[sampleKey] as never),
                time: '2026-11-28T06:00:00.000Z',
                datacontenttype: 'application/json',
                tenant: 'lidkoping',
                data: samples[sampleKey],
              },
            },
          ]
        : undefined,
    };
    channels[id] = {
      address: `${definition.domain}.{tenant}.${definition.entity}.${definition.verb}`,
      title: definition.name,
      description: `${definition.description} Stream ${stream.name} (\`${stream.subjects.join(', ')}\`). Published by ${definition.producer}.${restricted}` +
        (definition.ordering
          ? ` Ordered per \`${definition.ordering.key}\` by \`${definition.ordering.version}\`: ignore versions ≤ the last applied.`
          : ''),
      parameters: { tenant: { description: 'Tenant (huvudman) id, e.g. lidkoping; `*` to subscribe to all.' } },
      messages: { [definition.dataClass.name]: { $ref: `#/components/messages/${id}` } },
      ...(definition.restricted ? { tags: [{ name: 'restricted' }] } : {}),
    };
    operations[`receive${id[0]!.toUpperCase()}${id.slice(1)}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${id}` },
      summary: `Subscribe to ${definition.name} (durable pull consumer with filter \`${definition.subjectPattern}\`).`,
      messages: [{ $ref: `#/channels/${id}/messages/${definition.dataClass.name}` }],
    };
  }
  for (const message of Object.values(messages) as Record<string, unknown>[]) {
    if (message.examples === undefined) delete message.examples;
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'skolkonto events',
      version: options.version ?? '1.0.0',
      description:
        'Events of skolkonto (SS 12000 registers → metadirectory → Active Directory and Skolfederation). ' +
        'Every message is a CloudEvents 1.0 structured JSON object; `data` follows the schema of its type. ' +
        'Generated from libs/contracts by `npm run contracts:asyncapi`; do not edit by hand. Guide: docs/events.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: options.natsHost ?? '127.0.0.1:4222',
        protocol: 'nats',
        description: 'NATS JetStream (streams REGISTER, IDENTITY, DIRECTORY, FEDERATION, OPS, SENSITIVE, DEADLETTER).',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

/** The file content of docs/asyncapi.yaml (the YAML serializer is passed in: contracts stay dependency-free). */
export function asyncApiYaml(stringify: (value: unknown, options: object) => string): string {
  const header = '# Generated by `npm run contracts:asyncapi` from libs/contracts. Do not edit.\n';
  return header + stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
