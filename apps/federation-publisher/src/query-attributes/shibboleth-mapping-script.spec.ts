import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { toShibbolethAttributes } from './query-attributes.service';

/**
 * The response-mapping script shipped in docs/idp/shibboleth runs inside the IdP's JavaScript engine.
 * Here it runs in a V8 context with stand-ins for the few Java classes it touches, against the API's
 * own response shape, so a change of either side that breaks the IdP shows up in CI.
 */
const script = readFileSync(join(__dirname, '../../../../docs/idp/shibboleth/skolkonto-response-mapping.js'), 'utf8');

class ArrayList extends Array<unknown> {
  add(value: unknown) {
    this.push(value);
  }
}
class IdPAttribute {
  values: unknown[] = [];
  constructor(readonly id: string) {}
  setValues(values: unknown[]) {
    this.values = [...values];
  }
}
class StringAttributeValue {
  constructor(readonly value: string) {}
}
class ScopedStringAttributeValue {
  constructor(
    readonly value: string,
    readonly scope: string,
  ) {}
}

function run(status: number, body: unknown) {
  const results: IdPAttribute[] = [];
  const classes: Record<string, unknown> = {
    'net.shibboleth.idp.attribute.IdPAttribute': IdPAttribute,
    'net.shibboleth.idp.attribute.StringAttributeValue': StringAttributeValue,
    'net.shibboleth.idp.attribute.ScopedStringAttributeValue': ScopedStringAttributeValue,
    'java.util.ArrayList': ArrayList,
    'net.shibboleth.shared.httpclient.HttpClientSupport': { toString: (entity: { text: string }) => entity.text },
  };
  runInNewContext(script, {
    Java: {
      type: (name: string) => {
        if (!(name in classes)) throw new Error(`no class ${name}`);
        return classes[name];
      },
    },
    response: { getStatusLine: () => ({ getStatusCode: () => status }), getEntity: () => ({ text: JSON.stringify(body) }) },
    connectorResults: { add: (attribute: IdPAttribute) => results.push(attribute) },
    JSON,
    String,
  });
  return results;
}

describe('Shibboleth response-mapping script', () => {
  it('makes scoped values ScopedStringAttributeValues and the rest plain strings', () => {
    const body = {
      principal: 'asaek01',
      attributes: toShibbolethAttributes({
        eduPersonPrincipalName: ['k3x9qa7b@skara.se'],
        eduPersonScopedAffiliation: ['student@skara.se', 'member@skara.se'],
        sisSchoolUnitCode: ['12345678'],
        mail: ['asa.ek@elev.skara.se'],
      }),
    };
    const results = run(200, body);
    expect(results.map((a) => a.id)).toEqual(['eduPersonPrincipalName', 'eduPersonScopedAffiliation', 'sisSchoolUnitCode', 'mail']);
    expect(results[0]!.values).toEqual([new ScopedStringAttributeValue('k3x9qa7b', 'skara.se')]);
    expect(results[1]!.values).toEqual([new ScopedStringAttributeValue('student', 'skara.se'), new ScopedStringAttributeValue('member', 'skara.se')]);
    expect(results[2]!.values).toEqual([new StringAttributeValue('12345678')]);
    // mail has an "@" but is not a scoped attribute: it stays whole
    expect(results[3]!.values).toEqual([new StringAttributeValue('asa.ek@elev.skara.se')]);
  });

  it('resolves nothing for 403 and 404', () => {
    expect(run(403, { reason: 'unknown-service-provider' })).toEqual([]);
    expect(run(404, { reason: 'unknown-principal' })).toEqual([]);
  });
});
