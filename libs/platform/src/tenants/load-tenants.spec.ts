import { join } from 'node:path';
import { ConfigError } from '../config/load-config';
import { loadTenants, parseTenants } from './load-tenants';

const minimalTenant = `
  - id: skara
    name: Skara kommun
    municipalityCode: "1495"
    register: { baseUrl: http://127.0.0.1:3006/tenants/skara/v2.1, auth: { type: bearer, secretEnv: REGISTER_TOKEN_SKARA } }
    directory: { ouName: Skara, upnSuffix: skola.skara.se }
    federation: { scope: skara.se }`;

function problemsOf(text: string): string[] {
  try {
    parseTenants(text, 'tenants.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadTenants.name, () => {
  it('loads the four demo municipalities with their defaults', () => {
    const tenants = loadTenants(join(__dirname, '../../../../config/tenants.yaml'));
    expect(tenants.map((tenant) => [tenant.id, tenant.municipalityCode])).toEqual([
      ['lidkoping', '1494'],
      ['skara', '1495'],
      ['gotene', '1471'],
      ['essunga', '1445'],
    ]);
    expect(tenants[1].federation.scope).toBe('skara.se');
    expect(tenants[1].lifecycle.pupilSummerGraceUntil).toBe('08-31');
    expect(tenants[1].thresholds.maxDisablesOrDeletes).toBe(50);
    expect(tenants[1].register.minFullReadShare).toBe(0.8);
  });

  it('names the tenant and field that is wrong', () => {
    const problems = problemsOf(`tenants:${minimalTenant.replace('"1495"', '"14950"').replace('scope: skara.se', 'scope: Skara Kommun')}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tenants\[skara\]\.municipalityCode: /),
        expect.stringMatching(/^tenants\[skara\]\.federation\.scope: /),
      ]),
    );
  });

  it('rejects a file that is not YAML, has no tenants, or repeats an id', () => {
    expect(problemsOf('tenants: [ {')[0]).toMatch(/not valid YAML/);
    expect(problemsOf('something: else')).toEqual(['tenants: must be a list of tenants']);
    expect(problemsOf(`tenants:${minimalTenant}${minimalTenant}`).join('\n')).toMatch(/unique/);
  });

  it('rejects a secret written into the file instead of an env var name', () => {
    const problems = problemsOf(`tenants:${minimalTenant.replace('REGISTER_TOKEN_SKARA', 'eyJhbGciOi.secret')}`);
    expect(problems.join('\n')).toMatch(/register\.auth\.secretEnv: must name an environment variable/);
    expect(problems.join('\n')).not.toContain('eyJhbGciOi');
  });

  it('accepts a directory attribute mapping and refuses entries that would fight the provisioner', () => {
    const mapped = (entries: string) => minimalTenant.replace('federation: { scope: skara.se }', `federation: { scope: skara.se, directoryAttributes: [${entries}] }`);
    const [tenant] = parseTenants(`tenants:${mapped('{ attribute: eduPersonPrincipalName, adAttribute: extensionAttribute7, mode: single }')}`, 'tenants.yaml');
    expect(tenant!.federation.directoryAttributes).toEqual([{ attribute: 'eduPersonPrincipalName', adAttribute: 'extensionAttribute7', mode: 'single' }]);

    const problems = problemsOf(
      `tenants:${mapped(
        '{ attribute: norEduPersonNIN, adAttribute: carLicense, mode: single }, { attribute: sisSchoolUnitCode, adAttribute: DisplayName, mode: multi }, ' +
          '{ attribute: eduPersonUniqueId, adAttribute: msDS-CloudExtensionAttribute1, mode: single }, { attribute: mail, adAttribute: "bad name", mode: sometimes }',
      )}`,
    ).join('\n');
    expect(problems).toMatch(/directoryAttributes\.0\.attribute: must be one of/);
    expect(problems).toMatch(/directoryAttributes\.1\.adAttribute: is written by the provisioner itself/);
    expect(problems).toMatch(/directoryAttributes\.2\.adAttribute: is written by the provisioner itself/);
    expect(problems).toMatch(/directoryAttributes\.3\.adAttribute: must be an LDAP attribute name/);
    expect(problems).toMatch(/directoryAttributes\.3\.mode: /);
    expect(problemsOf(`tenants:${mapped('{ attribute: mail, adAttribute: info, mode: single }, { attribute: eduPersonUniqueId, adAttribute: Info, mode: single }')}`).join('\n')).toMatch(
      /each AD attribute may be mapped once/,
    );
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadTenants('/nonexistent/tenants.yaml')).toThrow(/TENANTS_FILE: cannot read \/nonexistent\/tenants.yaml \(ENOENT\)/);
  });
});
