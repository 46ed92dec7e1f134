// Batches as the provisioner gets them at volume: many new accounts at once (names chosen and
// reserved together), group names that stay unique across deployments sharing one domain, and a
// redelivered batch that must not hold a second plan. Real PostgreSQL and Samba AD.
import { randomUUID } from 'node:crypto';
import { attributeString, attributeStrings, childDn, equalsFilter, isDnWithin, normalizeDn } from '@skolkonto/directory';
import { groupSamAccountName, legacyGroupSamAccountName } from '../src/provision-account/desired-account';
import { aPupil, aStaffMember, nextVersion } from './builders';
import { createHarness, type Harness } from './provisioner-harness';

let h: Harness;
let other: Harness;

beforeAll(async () => {
  // Two deployments (two OUs, two databases) in the same domain, both serving a tenant "alpha".
  [h, other] = await Promise.all([createHarness(), createHarness()]);
});
afterAll(async () => {
  await Promise.all([h?.close(), other?.close()]);
});

async function linkOf(harness: Harness, identityId: string) {
  return harness.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant: 'alpha', identityId } } });
}

/**
 * Holds the first two reservation inserts until both have arrived: two batches have read the
 * reservations and chosen their names before either inserts them.
 */
function holdNameInsertsUntilBothChose() {
  const insertName = h.prisma.$queryRawUnsafe.bind(h.prisma);
  let arrived = 0;
  let release!: () => void;
  const bothChosen = new Promise<void>((resolve) => (release = resolve));
  const spy = jest.spyOn(h.prisma, '$queryRawUnsafe').mockImplementation((async (query: string, ...values: unknown[]) => {
    if (query.includes('INSERT INTO name_reservations') && arrived < 2) {
      arrived += 1;
      if (arrived === 2) release();
      await bothChosen;
    }
    return insertName(query, ...values);
  }) as typeof h.prisma.$queryRawUnsafe);
  return { arrived: () => arrived, restore: () => spy.mockRestore() };
}

describe('a batch of new accounts', () => {
  it('gives 30 namesakes distinct names, skipping a name taken in AD in another letter case, one account each', async () => {
    const layout = h.layout('alpha');
    await h.executor.execute(layout, []);
    // Someone outside our OUs (and outside our reservations) holds the third candidate, upper-cased.
    const taken = 'BOSBER03';
    await h.directory.add(childDn('CN', 'Taken by hand', h.ou.dn), { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: taken });
    const people = Array.from({ length: 30 }, () => aPupil({ givenName: 'Bosse', familyName: 'Berg', klass: '6C' }));
    const outcome = await h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') expect(outcome.result).toMatchObject({ applied: 30, failed: 0 });

    const names = await Promise.all(people.map(async (p) => (await linkOf(h, p.identityId)).sAMAccountName));
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(30);
    expect(names.map((n) => n.toLowerCase())).not.toContain(taken.toLowerCase());
    for (const name of names) expect(name).toMatch(/^bosber\d\d$/);
    // Every name in AD was reserved for its identity before the add.
    const reservations = await h.prisma.nameReservation.findMany({ where: { nameLower: { in: names } } });
    expect(reservations.map((r) => `${r.nameLower}:${r.identityId}`).sort()).toEqual(
      people.map((p, i) => `${names[i]}:${p.identityId}`).sort(),
    );
    for (const person of people) {
      const found = await h.directory.search(h.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', person.sourceRefs[0]!.id), attributes: ['memberOf', 'userAccountControl'] });
      expect(found).toHaveLength(1);
      expect(attributeString(found[0]!, 'userAccountControl')).toBe('512');
      expect(attributeStrings(found[0]!, 'memberOf').map((g) => g.split(',')[0]).sort()).toEqual(['CN=Elever 12345678', 'CN=Elever alla', 'CN=Klass 6C (12345678)']);
    }
    const classGroup = await h.directory.findEntry(childDn('CN', 'Klass 6C (12345678)', layout.groupsDn), ['member']);
    expect(attributeStrings(classGroup!, 'member')).toHaveLength(30);
    const provisioned = (await h.outbox('directory.alpha.account.provisioned')).filter((e) => people.some((p) => p.identityId === e.data.identityId));
    expect(provisioned).toHaveLength(30);
    expect(new Set(provisioned.map((e) => e.data.accountId)).size).toBe(30);
  });

  it('gives namesakes in two batches of one tenant running at once distinct names, choosing again instead of adding one by one', async () => {
    const layout = h.layout('alpha');
    await h.executor.execute(layout, []);
    // Another system's accounts (outside our OUs and reservations) hold the first six candidates.
    for (let i = 1; i <= 6; i++) {
      await h.directory.add(childDn('CN', `Nora by hand ${i}`, h.ou.dn), { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `nornyb0${i}` });
    }
    const batchOf = () => Array.from({ length: 12 }, () => aPupil({ givenName: 'Nora', familyName: 'Nyberg', klass: '5A' }));
    const [first, second] = [batchOf(), batchOf()];
    const adds = jest.spyOn(h.directory, 'add');
    // Both batches have read the reservations and chosen before either inserts its names: the race
    // that two batches of one tenant meet when they start together.
    const inserts = holdNameInsertsUntilBothChose();
    try {
      const outcomes = await Promise.all([first, second].map((people) => h.provision.provisionBatch(layout, people.map((identity) => ({ identity })))));
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('applied');
        if (outcome.status === 'applied') expect(outcome.result).toMatchObject({ applied: 12, failed: 0 });
      }
      // Every account was added once, under a name reserved for it: none met a name the other batch had won.
      // DNs only: the calls carry the initial passwords, which never belong in test output.
      const accountAdds = adds.mock.calls.map(([dn]) => dn).filter((dn) => /^CN=Nora Nyberg/.test(dn));
      expect(accountAdds).toHaveLength(24);
      expect(inserts.arrived()).toBe(2);
    } finally {
      adds.mockRestore();
      inserts.restore();
    }
    const names = await Promise.all([...first, ...second].map(async (p) => (await linkOf(h, p.identityId)).sAMAccountName.toLowerCase()));
    expect(new Set(names).size).toBe(24);
    for (const name of names) expect(name).toMatch(/^nornyb(0[7-9]|[1-9]\d)$/);
  });

  it('gives a person one account when two batches (two replicas) hold two versions of them and choose at once', async () => {
    const layout = h.layout('alpha');
    await h.executor.execute(layout, []);
    const person = aPupil({ givenName: 'Vera', familyName: 'Vinge', klass: '3C' });
    const renamed = nextVersion(person, { names: { ...person.names, familyName: 'Vinge-Ek', displayName: 'Vera Vinge-Ek' } });
    // Both batches have chosen before either inserts its names: the window two replicas meet when
    // each pulls one version of a new person.
    const inserts = holdNameInsertsUntilBothChose();
    try {
      const outcomes = await Promise.all([person, renamed].map((identity) => h.provision.provisionBatch(layout, [{ identity }])));
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('applied');
        if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
      }
      expect(inserts.arrived()).toBe(2);
    } finally {
      inserts.restore();
    }
    const found = await h.directory.search(h.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', person.sourceRefs[0]!.id), attributes: ['sAMAccountName'] });
    expect(found.map((entry) => attributeString(entry, 'sAMAccountName'))).toEqual([(await linkOf(h, person.identityId)).sAMAccountName]);
  });

  it('finds free names past a long run of names taken outside our reservations in a few searches, with no add that AD refuses', async () => {
    const layout = h.layout('alpha');
    await h.executor.execute(layout, []);
    // Another system holds the first 40 candidates: longer than the candidates a batch draws at
    // first, as years of never-reused names make it for a common name.
    for (let i = 1; i <= 40; i++) {
      await h.directory.add(childDn('CN', `Ines by hand ${i}`, h.ou.dn), { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: `ineibs${String(i).padStart(2, '0')}` });
    }
    const people = Array.from({ length: 3 }, () => aPupil({ givenName: 'Ines', familyName: 'Ibsen', klass: '4B' }));
    const adds = jest.spyOn(h.directory, 'add');
    const searches = jest.spyOn(h.directory, 'search');
    try {
      const outcome = await h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));
      expect(outcome.status).toBe('applied');
      if (outcome.status === 'applied') expect(outcome.result).toMatchObject({ applied: 3, failed: 0 });
      // DNs only: the calls carry the initial passwords, which never belong in test output.
      const accountAdds = adds.mock.calls.map(([dn]) => dn).filter((dn) => /^CN=Ines Ibsen/.test(dn));
      expect(accountAdds).toHaveLength(3);
      const nameChecks = searches.mock.calls.filter(([, request]) => /^\(\|\(sAMAccountName=/.test(String(request?.filter ?? '')));
      expect(nameChecks.length).toBeLessThanOrEqual(6);
    } finally {
      adds.mockRestore();
      searches.mockRestore();
    }
    const names = await Promise.all(people.map(async (p) => (await linkOf(h, p.identityId)).sAMAccountName.toLowerCase()));
    expect(names.sort()).toEqual(['ineibs41', 'ineibs42', 'ineibs43']);
  });

  it('adopts the accounts of an approved batch that AD already has instead of adding them again', async () => {
    const layout = h.layout('alpha');
    const people = Array.from({ length: 5 }, (_, i) => aStaffMember({ givenName: 'Again', familyName: `Person${i}` }));
    const ops = await h.provision.plan(layout, people.map((identity) => ({ identity })));
    // As after a crash between the adds and their recording: the accounts exist, no links.
    await h.executor.execute(layout, ops.map((op) => ({ ...op, freshlyPlanned: true })));
    await h.prisma.accountLink.deleteMany({ where: { identityId: { in: people.map((p) => p.identityId) } } });
    const again = await h.executor.execute(layout, ops);
    expect(again).toMatchObject({ applied: 5, failed: 0 });
    for (const person of people) {
      const found = await h.directory.search(h.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', person.sourceRefs[0]!.id), attributes: ['1.1'] });
      expect(found).toHaveLength(1);
      expect(normalizeDn((await linkOf(h, person.identityId)).dn)).toBe(normalizeDn(found[0]!.dn));
    }
  });
});

describe('groups of two deployments in one domain', () => {
  it('get different sAMAccountNames, so both deployments create and fill their own groups', async () => {
    const mine = aPupil({ givenName: 'Ett', familyName: 'Ou', klass: '5A' });
    const theirs = aPupil({ givenName: 'Tva', familyName: 'Ou', klass: '5A' });
    const a = await h.provision.provisionBatch(h.layout('alpha'), [{ identity: mine }]);
    const b = await other.provision.provisionBatch(other.layout('alpha'), [{ identity: theirs }]);
    for (const outcome of [a, b]) {
      expect(outcome.status).toBe('applied');
      if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
    }
    const groupIn = async (harness: Harness) => {
      const dn = childDn('CN', 'Elever alla', harness.layout('alpha').groupsDn);
      return (await harness.directory.findEntry(dn, ['sAMAccountName', 'member']))!;
    };
    const [g1, g2] = [await groupIn(h), await groupIn(other)];
    expect(attributeString(g1, 'sAMAccountName')).not.toBe(attributeString(g2, 'sAMAccountName'));
    expect(attributeString(g1, 'sAMAccountName')).toHaveLength(20);
    expect(attributeStrings(g1, 'member').map(normalizeDn)).toContain(normalizeDn((await linkOf(h, mine.identityId)).dn));
    expect(attributeStrings(g2, 'member').map(normalizeDn)).toEqual([normalizeDn((await linkOf(other, theirs.identityId)).dn)]);
  });

  it('fails clearly instead of adopting a group whose name another OU holds, or another group under our DN', async () => {
    const layout = other.layout('alpha');
    const klass = `9Z`;
    const pupil = aPupil({ givenName: 'Krock', familyName: 'Grupp', klass, school: '44444444' });
    const classKey = `class:${pupil.class!.groupId}`;
    // Another deployment (here: the first OU) already holds the class group's name.
    const foreign = childDn('CN', 'Foreign class group', h.ou.dn);
    await h.directory.add(foreign, { objectClass: ['top', 'group'], sAMAccountName: groupSamAccountName(layout.rootDn, 'alpha', classKey) });
    // And a hand-made group sits where the school group of this deployment would go.
    await other.executor.execute(layout, []);
    const squatter = childDn('CN', 'Elever 44444444', layout.groupsDn);
    await other.directory.add(squatter, { objectClass: ['top', 'group'], sAMAccountName: `squat${randomUUID().slice(0, 8)}` });

    const outcome = await other.provision.provisionBatch(layout, [{ identity: pupil }]);
    expect(outcome.status).toBe('applied');
    const failures = (await other.outbox('directory.alpha.account.failed')).filter((e) => e.data.identityId === pupil.identityId);
    const codes = failures.map((e) => (e.data.error as { code: string }).code).sort();
    expect(codes).toEqual(['GROUP_CONFLICT', 'GROUP_NAME_TAKEN']);
    const taken = failures.find((e) => (e.data.error as { code: string }).code === 'GROUP_NAME_TAKEN')!;
    expect((taken.data.error as { message: string }).message).toContain(groupSamAccountName(layout.rootDn, 'alpha', classKey));
    expect(taken.data.operation).toBe('sync-groups');
    // Neither foreign object got our member; the account itself exists and is in the groups that are ours.
    expect(attributeStrings((await h.directory.findEntry(foreign, ['member']))!, 'member')).toEqual([]);
    expect(attributeStrings((await other.directory.findEntry(squatter, ['member']))!, 'member')).toEqual([]);
    const link = await linkOf(other, pupil.identityId);
    const entry = await other.directory.findEntry(link.dn, ['memberOf']);
    const groups = attributeStrings(entry!, 'memberOf');
    expect(groups.map((g) => g.split(',')[0])).toEqual(['CN=Elever alla']);
    for (const g of groups) expect(isDnWithin(g, layout.groupsDn)).toBe(true);
  });
  it('keeps adopting a group created under its older name (before the OU hash) at our DN', async () => {
    const layout = other.layout('alpha');
    await other.executor.execute(layout, []);
    const pupil = aPupil({ givenName: 'Gammal', familyName: 'Grupp', school: '66666666' });
    const groupDn = childDn('CN', 'Elever 66666666', layout.groupsDn);
    await other.directory.add(groupDn, { objectClass: ['top', 'group'], sAMAccountName: legacyGroupSamAccountName('alpha', 'school:66666666:pupil') });
    const outcome = await other.provision.provisionBatch(layout, [{ identity: pupil }]);
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
    const group = await other.directory.findEntry(groupDn, ['member']);
    expect(attributeStrings(group!, 'member').map(normalizeDn)).toEqual([normalizeDn((await linkOf(other, pupil.identityId)).dn)]);
  });
});

describe('a redelivered batch', () => {
  it('finds its held plan instead of holding and announcing a second one, also after a rejection', async () => {
    const layout = h.layout('alpha');
    const people = Array.from({ length: 4 }, (_, i) => aStaffMember({ givenName: 'Redeliver', familyName: `Leaver${i}`, school: '55555555' }));
    await h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));
    const batch = people.map((p) => ({ identity: nextVersion(p, { status: 'deactivated' }), reason: 'register-deleted', eventId: randomUUID() }));

    const first = await h.provision.provisionBatch(layout, batch);
    expect(first.status).toBe('held');
    if (first.status !== 'held') return;
    const again = await h.provision.provisionBatch(layout, [...batch].reverse());
    expect(again).toMatchObject({ status: 'held', planId: first.planId, duplicate: true });
    const announced = async () => (await h.outbox('ops.alpha.plan.held')).filter((e) => e.data.planId === first.planId || (e.data.operations as Array<{ identityId: string }>).some((o) => o.identityId === people[0]!.identityId));
    expect(await announced()).toHaveLength(1);

    await h.approvals.reject(first.planId, 'operator-1');
    const afterRejection = await h.provision.provisionBatch(layout, batch);
    expect(afterRejection).toMatchObject({ status: 'held', planId: first.planId, duplicate: true });
    expect(await h.prisma.provisioningPlan.count({ where: { tenant: 'alpha', status: 'held' } })).toBe(0);
    expect(await announced()).toHaveLength(1);

    // The same changes in new events (a new batch) are a new plan.
    const fresh = await h.provision.provisionBatch(layout, batch.map((input) => ({ ...input, eventId: randomUUID() })));
    expect(fresh.status).toBe('held');
    if (fresh.status === 'held') expect(fresh.planId).not.toBe(first.planId);
  });
});
