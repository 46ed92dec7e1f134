// Surface 1: published Skolfederation attributes land in the tenant's AD accounts through the
// tenant's mapping (default: ePPN → employeeNumber, unique id → uid, scoped affiliation →
// businessCategory, affiliation → employeeType joined by ";", school unit codes → departmentNumber),
// and revocation clears them. Real PostgreSQL and Samba AD.
import type { FederationAttributes } from '@skolkonto/contracts';
import { attributeString, attributeStrings } from '@skolkonto/directory';
import { testEnv } from '@skolkonto/testing';
import { EnsureLayoutService } from '../src/directory-layout/ensure-layout.service';
import { TenantLayout } from '../src/directory-layout/tenant-layout';
import { ProvisionAccountService } from '../src/provision-account/provision-account.service';
import { OperationExecutor } from '../src/shared/operation-executor';
import { PlanRunner } from '../src/shared/plan-runner';
import { DirectoryMappingError, FederationAttributeWriter } from '../src/write-federation-attributes/federation-attribute-writer';
import { aPupil, aStaffMember } from './builders';
import { createHarness, type Harness } from './provisioner-harness';

const MAPPED = ['employeeNumber', 'uid', 'businessCategory', 'employeeType', 'departmentNumber'];

let h: Harness;
let writer: FederationAttributeWriter;

beforeAll(async () => {
  h = await createHarness();
  writer = new FederationAttributeWriter(h.prisma, h.directory);
});
afterAll(async () => {
  await h?.close();
});

function published(local: string, scope: string, overrides: Partial<FederationAttributes> = {}): FederationAttributes {
  return {
    eduPersonPrincipalName: `${local}@${scope}`,
    eduPersonUniqueId: `${local}uid@${scope}`,
    eduPersonScopedAffiliation: [`student@${scope}`, `member@${scope}`],
    sisSchoolUnitCode: ['12345678'],
    schacHomeOrganization: scope,
    ...overrides,
  };
}

async function adValues(identityId: string, tenant = 'alpha'): Promise<Record<string, string[]>> {
  const link = await h.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant, identityId } } });
  const entry = (await h.directory.findEntry(`<GUID=${link.objectGuid}>`, MAPPED))!;
  return Object.fromEntries(MAPPED.map((name) => [name, attributeStrings(entry, name).sort()]));
}

async function updatedEventsFor(identityId: string, tenant = 'alpha') {
  return (await h.outbox(`directory.${tenant}.account.updated`)).filter((e) => e.data.identityId === identityId);
}

describe('federation attributes in AD', () => {
  it('writes a published set into the mapped attributes, skips an unchanged or older one, and clears them on revocation', async () => {
    const teacher = aStaffMember({ givenName: 'Greta', familyName: 'Garbo' });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: teacher }]);
    const layout = h.layout('alpha');
    const set = published('k3x9q2', 'alpha.test', {
      eduPersonScopedAffiliation: ['faculty@alpha.test', 'employee@alpha.test', 'member@alpha.test'],
      sisSchoolUnitCode: ['12345678', '87654321'],
    });

    expect(await writer.apply(layout, teacher.identityId, teacher.version + 1, set)).toBe('written');
    expect(await adValues(teacher.identityId)).toEqual({
      employeeNumber: ['k3x9q2@alpha.test'],
      uid: ['k3x9q2uid@alpha.test'],
      businessCategory: ['employee@alpha.test', 'faculty@alpha.test', 'member@alpha.test'],
      employeeType: ['faculty;employee;member'],
      departmentNumber: ['12345678', '87654321'],
    });
    const [event] = await updatedEventsFor(teacher.identityId);
    expect(event!.data.changedAttributes).toEqual(expect.arrayContaining(['employeeNumber', 'departmentNumber']));

    expect(await writer.apply(layout, teacher.identityId, teacher.version + 1, set)).toBe('unchanged');
    expect(await writer.apply(layout, teacher.identityId, teacher.version, published('older1', 'alpha.test'))).toBe('stale');
    expect((await adValues(teacher.identityId)).employeeNumber).toEqual(['k3x9q2@alpha.test']);
    expect(await updatedEventsFor(teacher.identityId)).toHaveLength(1);

    expect(await writer.apply(layout, teacher.identityId, teacher.version + 2, null)).toBe('written');
    expect(await adValues(teacher.identityId)).toEqual({ employeeNumber: [], uid: [], businessCategory: [], employeeType: [], departmentNumber: [] });
  });

  it('gives an account created after the publication its attributes in the add', async () => {
    const pupil = aPupil({ givenName: 'Nils', familyName: 'Holgersson' });
    expect(await writer.apply(h.layout('alpha'), pupil.identityId, pupil.version, published('n1ls99', 'alpha.test'))).toBe('stored');
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: pupil }]);
    expect(await adValues(pupil.identityId)).toMatchObject({ employeeNumber: ['n1ls99@alpha.test'], employeeType: ['student;member'], departmentNumber: ['12345678'] });
    // Carried by the add: no separate write, so no update event for it.
    expect(await updatedEventsFor(pupil.identityId)).toHaveLength(0);
  });

  it('writes values published while the account was being added once the account is linked', async () => {
    const pupil = aPupil({ givenName: 'Pippi', familyName: 'Långstrump' });
    const add = h.directory.add.bind(h.directory);
    // The publication lands after the batch read the stored values and before its add: the moment
    // neither side can see the other unless the batch looks again after linking.
    const spy = jest.spyOn(h.directory, 'add').mockImplementationOnce(async (dn, attributes) => {
      expect(await writer.apply(h.layout('alpha'), pupil.identityId, pupil.version, published('p1ppi7', 'alpha.test'))).toBe('stored');
      return add(dn, attributes);
    });
    try {
      await h.provision.provisionBatch(h.layout('alpha'), [{ identity: pupil }]);
    } finally {
      spy.mockRestore();
    }
    expect((await adValues(pupil.identityId)).employeeNumber).toEqual(['p1ppi7@alpha.test']);
    expect(await updatedEventsFor(pupil.identityId)).toHaveLength(1);
  });

  it('carries values published while its batch is adding in the later adds, instead of writing them after', async () => {
    // One add at a time, so the order is certain: the account whose values are stored goes first.
    const executor = new OperationExecutor(h.prisma, h.directory, new EnsureLayoutService(h.directory), { domainDn: testEnv().ldap.baseDn, mustChangePassword: false, concurrency: 1 });
    const provision = new ProvisionAccountService(h.prisma, h.directory, new PlanRunner(h.prisma, executor, { dryRun: false, percentRuleMinAccounts: 20 }));
    const [first, second, third] = [aPupil({ givenName: 'Emil', familyName: 'Svensson' }), aPupil({ givenName: 'Ida', familyName: 'Svensson' }), aPupil({ givenName: 'Alfred', familyName: 'Svensson' })];
    const layout = h.layout('alpha');
    expect(await writer.apply(layout, third.identityId, third.version, published('a1fred', 'alpha.test'))).toBe('stored');
    const add = h.directory.add.bind(h.directory);
    const accountAdds: string[] = [];
    const spy = jest.spyOn(h.directory, 'add').mockImplementation(async (dn, attributes) => {
      if (/^CN=(Emil|Ida|Alfred) Svensson/.test(dn)) {
        accountAdds.push(dn.split(' ')[0]!);
        // The other two are published while the batch adds its first account.
        if (accountAdds.length === 1) {
          expect(await writer.apply(layout, first.identityId, first.version, published('em1l00', 'alpha.test'))).toBe('stored');
          expect(await writer.apply(layout, second.identityId, second.version, published('1da000', 'alpha.test'))).toBe('stored');
        }
      }
      return add(dn, attributes);
    });
    try {
      await provision.provisionBatch(layout, [first, second, third].map((identity) => ({ identity })));
    } finally {
      spy.mockRestore();
    }
    expect(accountAdds).toEqual(['CN=Alfred', 'CN=Emil', 'CN=Ida']);
    for (const [pupil, ePPN] of [[first, 'em1l00@alpha.test'], [second, '1da000@alpha.test'], [third, 'a1fred@alpha.test']] as const) {
      expect((await adValues(pupil.identityId)).employeeNumber).toEqual([ePPN]);
      // In the add: no second write of the account, so no update event.
      expect(await updatedEventsFor(pupil.identityId)).toHaveLength(0);
    }
  });

  it("never writes one tenant's values into another tenant's account", async () => {
    const pupil = aPupil({ tenant: 'beta', givenName: 'Beata', familyName: 'Beta' });
    await h.provision.provisionBatch(h.layout('beta'), [{ identity: pupil }]);
    expect(await writer.apply(h.layout('beta'), pupil.identityId, pupil.version, published('beta01', 'beta.test'))).toBe('written');
    // The same identity id arriving as alpha's (a crafted event) neither replaces beta's values nor reaches beta's OU.
    expect(await writer.apply(h.layout('alpha'), pupil.identityId, pupil.version + 5, published('alpha1', 'alpha.test'))).toBe('stale');
    expect((await adValues(pupil.identityId, 'beta')).employeeNumber).toEqual(['beta01@beta.test']);
  });

  it('applies a batch of events as one by one would: newest version per identity, stored or written, and a refusal fails alone', async () => {
    const alpha = h.tenants.find((t) => t.id === 'alpha')!;
    const refusing = new TenantLayout(
      { ...alpha, federation: { ...alpha.federation, directoryAttributes: [{ attribute: 'eduPersonPrincipalName', adAttribute: 'skolkontoNoSuchAttribute', mode: 'single' }] } },
      h.ou.dn,
    );
    const layout = h.layout('alpha');
    const [withAccount, withoutAccount, revoked, refused] = [
      aPupil({ givenName: 'Karlsson', familyName: 'Påtaket' }),
      aPupil({ givenName: 'Lillebror', familyName: 'Svantesson' }),
      aPupil({ givenName: 'Bosse', familyName: 'Svantesson' }),
      aPupil({ givenName: 'Bettan', familyName: 'Svantesson' }),
    ];
    await h.provision.provisionBatch(layout, [withAccount, revoked, refused].map((identity) => ({ identity })));
    expect(await writer.apply(layout, revoked.identityId, revoked.version, published('b0sse1', 'alpha.test'))).toBe('written');
    const oneByOne = jest.spyOn(writer, 'apply');
    const outcomes = await writer.applyMany([
      { layout, identityId: withAccount.identityId, identityVersion: withAccount.version + 2, attributes: published('k4rls2', 'alpha.test') },
      { layout, identityId: withoutAccount.identityId, identityVersion: withoutAccount.version, attributes: published('l1lle1', 'alpha.test') },
      { layout, identityId: withAccount.identityId, identityVersion: withAccount.version + 1, attributes: published('k4rls1', 'alpha.test') },
      { layout, identityId: revoked.identityId, identityVersion: revoked.version + 1, attributes: null },
      { layout: refusing, identityId: refused.identityId, identityVersion: refused.version, attributes: published('b3tta1', 'alpha.test') },
    ]);
    // The batch path itself, not the one-by-one fallback, must get this right.
    expect(oneByOne).not.toHaveBeenCalled();
    oneByOne.mockRestore();
    expect(outcomes.map((o) => ('value' in o ? o.value : (o.error as Error).name))).toEqual(['written', 'stored', 'stale', 'written', 'DirectoryMappingError']);
    expect((await adValues(withAccount.identityId)).employeeNumber).toEqual(['k4rls2@alpha.test']);
    expect((await adValues(revoked.identityId)).employeeNumber).toEqual([]);
    expect((await adValues(refused.identityId)).employeeNumber).toEqual([]);
    const stored = await h.prisma.directoryAttributeValues.findUniqueOrThrow({ where: { identityId: withoutAccount.identityId } });
    expect(stored.values).toMatchObject({ employeeNumber: ['l1lle1@alpha.test'] });

    // A statement that fails (an identity id that is not a uuid) falls back to one by one: the rest still go in.
    const later = await writer.applyMany([
      { layout, identityId: 'not-a-uuid', identityVersion: 1, attributes: published('n0pe01', 'alpha.test') },
      { layout, identityId: withAccount.identityId, identityVersion: withAccount.version + 3, attributes: published('k4rls3', 'alpha.test') },
      { layout, identityId: withAccount.identityId, identityVersion: withAccount.version + 1, attributes: published('k4rls0', 'alpha.test') },
    ]);
    expect(later.map((o) => ('value' in o ? o.value : 'error'))).toEqual(['error', 'written', 'stale']);
    expect((await adValues(withAccount.identityId)).employeeNumber).toEqual(['k4rls3@alpha.test']);
  });

  it('creates the account without the values when AD refuses the mapping, and names the mapping when writing them', async () => {
    const alpha = h.tenants.find((t) => t.id === 'alpha')!;
    // Same OU as alpha, but mapping the ePPN to an attribute the schema does not have.
    const misconfigured = new TenantLayout(
      { ...alpha, federation: { ...alpha.federation, directoryAttributes: [{ attribute: 'eduPersonPrincipalName', adAttribute: 'skolkontoNoSuchAttribute', mode: 'single' }] } },
      h.ou.dn,
    );
    const pupil = aPupil({ givenName: 'Ronja', familyName: 'Rövardotter' });
    expect(await writer.apply(misconfigured, pupil.identityId, pupil.version, published('r0nja1', 'alpha.test'))).toBe('stored');
    const outcome = await h.provision.provisionBatch(misconfigured, [{ identity: pupil }]);
    expect(outcome.status).toBe('applied');
    const link = await h.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant: 'alpha', identityId: pupil.identityId } } });
    const entry = await h.directory.findEntry(`<GUID=${link.objectGuid}>`, ['userAccountControl']);
    expect(attributeString(entry!, 'userAccountControl')).toBe('512');
    await expect(writer.apply(misconfigured, pupil.identityId, pupil.version, published('r0nja2', 'alpha.test'))).rejects.toThrow(DirectoryMappingError);
    await expect(writer.apply(misconfigured, pupil.identityId, pupil.version, published('r0nja2', 'alpha.test'))).rejects.toThrow(/skolkontoNoSuchAttribute/);
  });
});
