// JSON Schemas of the catalog: one for each event's data and one for its whole CloudEvent.
import type { EventDefinition } from '../catalog';
import { toStandaloneJsonSchema, type JsonSchema } from './json-schema';

export function schemaIdFor(definition: EventDefinition): string {
  return `urn:skolkonto:schema:${definition.type}`;
}

/** Standalone JSON Schema (2020-12) of an event's `data`. */
export function eventDataJsonSchema(definition: EventDefinition): JsonSchema {
  return toStandaloneJsonSchema(definition.dataClass, schemaIdFor(definition));
}

/** JSON Schema of the CloudEvents envelope shared by all events (data left open). */
export function envelopeJsonSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'CloudEvents 1.0 structured JSON with the skolkonto extensions tenant and traceparent.',
    required: ['id', 'source', 'specversion', 'type', 'subject', 'time', 'datacontenttype', 'data', 'tenant'],
    properties: {
      id: { type: 'string', format: 'uuid', description: 'Unique per event; also the Nats-Msg-Id header.' },
      source: { type: 'string', description: '/skolkonto/<app>' },
      specversion: { const: '1.0' },
      type: { type: 'string', pattern: '^se\\.skolkonto\\.[a-z][a-z0-9-]*\\.[a-z][a-z0-9-]*\\.[a-z][a-z0-9-]*\\.v[1-9][0-9]*$' },
      subject: { type: 'string', description: 'The entity the event is about (identityId for identity events).' },
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { const: 'application/json' },
      dataschema: { type: 'string' },
      tenant: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
      traceparent: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
      data: {},
    },
  };
}

/** Standalone JSON Schema of the whole CloudEvent of one type (envelope + data). */
export function cloudEventJsonSchema(definition: EventDefinition): JsonSchema {
  const data = eventDataJsonSchema(definition);
  const { $schema, $id, $defs, title: _title, ...dataBody } = data;
  const envelope = envelopeJsonSchema();
  return {
    $schema,
    $id: `${String($id)}:cloudevent`,
    title: `${definition.dataClass.name} CloudEvent`,
    ...envelope,
    properties: {
      ...(envelope.properties as object),
      type: { const: definition.type },
      data: dataBody,
    },
    ...($defs ? { $defs } : {}),
  };
}
