import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { stringify } from 'yaml';
import { asyncApiYaml, buildAsyncApiDocument } from './asyncapi';
import { EVENT_CATALOG } from './catalog';

describe(buildAsyncApiDocument.name, () => {
  it('is a valid AsyncAPI 3.0 document according to @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiYaml(stringify));
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join('/')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    expect(document!.channels().length).toBe(EVENT_CATALOG.length);
    expect(document!.operations().all().every((o) => o.action() === 'receive')).toBe(true);
  });

  it('has a channel per event with the NATS subject and tenant parameter', () => {
    const doc = buildAsyncApiDocument() as { channels: Record<string, { address: string }> };
    const addresses = Object.values(doc.channels).map((c) => c.address);
    expect(addresses).toContain('identity.{tenant}.person.changed');
    expect(addresses).toContain('ops.{tenant}.deadletter.recorded');
  });

  it('matches the committed docs/asyncapi.yaml (run npm run contracts:asyncapi after changing a contract)', () => {
    const committed = readFileSync(join(__dirname, '../../../docs/asyncapi.yaml'), 'utf8');
    expect(committed).toBe(asyncApiYaml(stringify));
  });
});
