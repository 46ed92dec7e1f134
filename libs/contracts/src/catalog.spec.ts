import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import {
  buildEvent,
  cloudEventJsonSchema,
  EVENT_CATALOG,
  eventDataJsonSchema,
  EVENTS,
  findEventDefinition,
  findEventDefinitionsForSubject,
  SAMPLE_EVENT_DATA,
  STREAMS,
  validateCloudEvent,
  validateEvent,
} from './index';

const samples = SAMPLE_EVENT_DATA as unknown as Record<string, Record<string, unknown>>;
const entries = Object.entries(EVENTS);

function ajv() {
  const instance = new Ajv2020({ allErrors: true, strict: false });
  addFormats(instance);
  return instance;
}

describe('event catalog', () => {
  it('names every type se.skolkonto.<domain>.<entity>.<verb>.v<N> and keeps types unique', () => {
    const types = EVENT_CATALOG.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    for (const d of EVENT_CATALOG) {
      expect(d.type).toBe(`se.skolkonto.${d.domain}.${d.entity}.${d.verb}.v${d.version}`);
      expect(d.subjectPattern).toBe(`${d.domain}.*.${d.entity}.${d.verb}`);
      expect(d.subject('skara')).toBe(`${d.domain}.skara.${d.entity}.${d.verb}`);
    }
  });

  it('covers the events the issue lists', () => {
    const names = new Set(EVENT_CATALOG.map((d) => d.name));
    const required = [
      ...['person', 'organisation', 'group', 'duty'].flatMap((e) => [`register.${e}.upserted`, `register.${e}.deleted`]),
      'identity.person.changed',
      'identity.person.deactivated',
      'identity.person.reactivated',
      ...['provisioned', 'updated', 'moved', 'disabled', 'deleted', 'failed'].map((v) => `directory.account.${v}`),
      'directory.group.synced',
      'directory.drift.detected',
      'federation.attributes.published',
      'federation.attributes.revoked',
      'ops.plan.held',
      'ops.plan.approved',
      'ops.plan.rejected',
      'ops.record.rejected',
      'ops.deadletter.recorded',
      'ops.review.requested',
    ];
    for (const name of required) expect(names).toContain(name);
  });

  it('puts every event in a stream whose subjects match it', () => {
    for (const d of EVENT_CATALOG) {
      const stream = STREAMS.find((s) => s.name === d.stream)!;
      expect(stream.subjects.some((s) => d.subject('essunga').startsWith(s.replace('>', '')))).toBe(true);
    }
  });

  it('finds a definition by type and by concrete subject', () => {
    expect(findEventDefinition('se.skolkonto.identity.person.changed.v1')).toBe(EVENTS.identityPersonChanged);
    expect(findEventDefinition('se.skolkonto.identity.person.changed.v9')).toBeUndefined();
    expect(findEventDefinitionsForSubject('identity.gotene.person.changed')).toEqual([EVENTS.identityPersonChanged]);
  });

  it('keeps civic numbers to restricted streams: only REGISTER and SENSITIVE schemas mention civicNo', () => {
    for (const d of EVENT_CATALOG) {
      const text = JSON.stringify(eventDataJsonSchema(d));
      const mentions = /civicNo|norEduPersonNIN/.test(text);
      expect({ type: d.type, mentions }).toEqual({ type: d.type, mentions: mentions && d.restricted });
      if (!d.restricted) expect(JSON.stringify(samples[entryName(d.type)])).not.toMatch(/\d{12}/);
    }
  });
});

function entryName(type: string): string {
  return entries.find(([, d]) => d.type === type)![0];
}

describe(validateEvent.name, () => {
  it.each(entries)('accepts the sample of %s', (name, d) => {
    expect(validateEvent(d.type, samples[name])).toEqual([]);
  });

  it('names the field and the rule that failed', () => {
    const data = { ...samples.identityPersonChanged, version: 0, names: { givenName: '', familyName: 'A', displayName: 'A' } };
    const reasons = validateEvent(EVENTS.identityPersonChanged.type, data);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^version: /),
        expect.stringMatching(/^names\.givenName: /),
        expect.stringMatching(/^names\.protected: /),
      ]),
    );
  });

  it('rejects 7-digit school unit codes and unknown statuses', () => {
    const identity = samples.identityPersonChanged as { schoolUnits: object[] };
    const data = { ...identity, status: 'gone', schoolUnits: [{ ...identity.schoolUnits[0], schoolUnitCode: '1234567' }] };
    const reasons = validateEvent(EVENTS.identityPersonChanged.type, data);
    expect(reasons.some((r) => r.startsWith('status:'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('schoolUnits.0.schoolUnitCode:'))).toBe(true);
  });

  it('reports unknown types and unknown versions', () => {
    expect(validateEvent('se.skolkonto.identity.person.changed.v7', {})).toEqual([
      'unknown event version: se.skolkonto.identity.person.changed.v7',
    ]);
    expect(validateEvent('nonsense', {})).toEqual(['unknown event type: nonsense']);
  });

  it('rejects data that is not an object', () => {
    expect(validateEvent(EVENTS.opsPlanHeld.type, 'x')).toEqual(['data must be a JSON object']);
    expect(validateEvent(EVENTS.opsPlanHeld.type, null)).toEqual(['data must be a JSON object']);
  });

  it('never echoes the offending value (no civic numbers in reasons)', () => {
    const data = { ...samples.sensitiveCivicNumberChanged, civicNo: '19121212-1212' };
    const reasons = validateEvent(EVENTS.sensitiveCivicNumberChanged.type, data);
    expect(reasons.length).toBe(1);
    expect(reasons.join()).not.toContain('1212');
  });
});

describe('generated JSON Schemas', () => {
  it.each(entries)('accepts the sample of %s', (name, d) => {
    const validate = ajv().compile(eventDataJsonSchema(d));
    expect(validate(samples[name]) ? [] : validate.errors).toEqual([]);
  });

  it.each(entries)('accepts a whole CloudEvent of %s', (name, d) => {
    const event = buildEvent(d as never, { tenant: 'lidkoping', source: 'identity-normalizer', data: samples[name] as never });
    const validate = ajv().compile(cloudEventJsonSchema(d));
    expect(validate(JSON.parse(JSON.stringify(event))) ? [] : validate.errors).toEqual([]);
    expect(validateCloudEvent(event)).toEqual([]);
  });

  it('agrees with class-validator on required fields: dropping any required field fails both', () => {
    for (const [name, d] of entries) {
      const schema = eventDataJsonSchema(d);
      const validate = ajv().compile(schema);
      for (const field of schema.required as string[]) {
        const data = { ...samples[name] };
        delete data[field];
        expect({ name, field, ajv: validate(data) }).toEqual({ name, field, ajv: false });
        expect({ name, field, cv: validateEvent(d.type, data).length > 0 }).toEqual({ name, field, cv: true });
      }
    }
  });

  it('agrees with class-validator on arbitrary mutations of identity events (property)', () => {
    const d = EVENTS.identityPersonChanged;
    const validate = ajv().compile(eventDataJsonSchema(d));
    const base = samples.identityPersonChanged;
    const fields = Object.keys(base);
    const values = fc.oneof(
      fc.constant(null),
      fc.string(),
      fc.integer({ min: -2, max: 20 }),
      fc.boolean(),
      fc.constantFrom('active', 'leaving', 'nope', '12345678', '2026-01-01T00:00:00Z', '6f1c1f5e-3b1a-4c8e-9d2a-1b2c3d4e5f60'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...fields), values, (field, value) => {
        const data = { ...base, [field]: value };
        const byAjv = validate(data);
        const byClassValidator = validateEvent(d.type, data).length === 0;
        return byAjv === byClassValidator;
      }),
      { numRuns: 300 },
    );
  });
});

describe(validateCloudEvent.name, () => {
  const event = () =>
    buildEvent(EVENTS.identityPersonChanged, {
      tenant: 'lidkoping',
      source: 'identity-normalizer',
      data: SAMPLE_EVENT_DATA.identityPersonChanged,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });

  it('builds a CloudEvent with subject = identityId, source /skolkonto/<app> and the tenant extension', () => {
    const e = event();
    expect(e).toMatchObject({
      specversion: '1.0',
      type: 'se.skolkonto.identity.person.changed.v1',
      subject: SAMPLE_EVENT_DATA.identityPersonChanged.identityId,
      source: '/skolkonto/identity-normalizer',
      tenant: 'lidkoping',
      datacontenttype: 'application/json',
    });
    expect(validateCloudEvent(e)).toEqual([]);
  });

  it('rejects a tenant extension that differs from the data', () => {
    expect(validateCloudEvent({ ...event(), tenant: 'skara' })).toEqual(['tenant extension differs from data.tenant']);
  });

  it('prefixes data reasons with data.', () => {
    const e = event();
    expect(validateCloudEvent({ ...e, data: { ...e.data, version: 'x' } })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^data\.version: /)]),
    );
  });

  it('lists every envelope problem', () => {
    expect(validateCloudEvent({ id: 'x', specversion: '0.3', data: {} })).toEqual([
      'id must be a uuid',
      'source must be a non-empty string',
      'specversion must be "1.0"',
      'type must look like se.skolkonto.<domain>.<entity>.<verb>.v<N>',
      'subject must be a non-empty string',
      'time must be an RFC 3339 timestamp',
      'datacontenttype must be "application/json"',
      'tenant must be a tenant id',
    ]);
  });
});
