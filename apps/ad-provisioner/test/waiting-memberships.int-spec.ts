// New accounts' group memberships that wait while their tenant has more batches queued, then go
// into AD together (groupMembershipDelayMs). Real PostgreSQL and Samba AD.
import { attributeStrings, childDn, type DirectoryEntry } from '@skolkonto/directory';
import type { PersonIdentityV1 } from '@skolkonto/contracts';
import { PendingMembersScheduler } from '../src/provision-account/pending-members-scheduler.service';
import { aPupil, nextVersion } from './builders';
import { createHarness, type Harness } from './provisioner-harness';

let h: Harness;
let backlog = 0;
let clock = Date.now();
let scheduler: PendingMembersScheduler;

beforeAll(async () => {
  h = await createHarness({ groupMembershipDelayMs: 60_000 });
  h.executor.backlogOf = () => backlog;
  scheduler = new PendingMembersScheduler(h.prisma, { find: (tenant) => h.layout(tenant) }, h.executor, 2000, () => clock);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  backlog = 2; // the batch's own and more queued: a first load under way
  clock = Date.now();
});

async function accountOf(identity: PersonIdentityV1): Promise<DirectoryEntry> {
  const link = await h.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant: 'alpha', identityId: identity.identityId } } });
  const entry = await h.directory.findEntry(link.dn, ['memberOf']);
  if (!entry) throw new Error(`no account at ${link.dn}`);
  return entry;
}

const groupNames = async (identity: PersonIdentityV1) => (attributeStrings(await accountOf(identity), 'memberOf')).map((g) => g.split(',')[0]).sort();
const waiting = (identities: PersonIdentityV1[]) => h.prisma.pendingGroupMember.count({ where: { identityId: { in: identities.map((i) => i.identityId) } } });

async function provision(people: PersonIdentityV1[]) {
  const outcome = await h.provision.provisionBatch(h.layout('alpha'), people.map((identity) => ({ identity })));
  expect(outcome).toMatchObject({ status: 'applied', result: { failed: 0 } });
}

describe('group memberships of new accounts during a first load', () => {
  it('wait while the tenant has batches queued and go in, one write per group, once it has none', async () => {
    const people = [
      ...Array.from({ length: 3 }, () => aPupil({ givenName: 'Ida', familyName: 'Lund', klass: '8A', school: '20000001' })),
      ...Array.from({ length: 3 }, () => aPupil({ givenName: 'Ola', familyName: 'Lund', klass: '8B', school: '20000001' })),
    ];
    await provision(people);
    // Accounts are there and linked; their three groups each wait.
    for (const person of people) expect(await groupNames(person)).toEqual([]);
    expect(await waiting(people)).toBe(18);

    backlog = 1; // still busy: nothing is written before the delay
    await scheduler.runOnce();
    expect(await waiting(people)).toBe(18);

    backlog = 0;
    await scheduler.runOnce();
    expect(await waiting(people)).toBe(0);
    for (const person of people.slice(0, 3)) expect(await groupNames(person)).toEqual(['CN=Elever 20000001', 'CN=Elever alla', 'CN=Klass 8A (20000001)']);
    for (const person of people.slice(3)) expect(await groupNames(person)).toEqual(['CN=Elever 20000001', 'CN=Elever alla', 'CN=Klass 8B (20000001)']);
    const classGroup = await h.directory.findEntry(childDn('CN', 'Klass 8A (20000001)', h.layout('alpha').groupsDn), ['member']);
    expect(attributeStrings(classGroup!, 'member')).toHaveLength(3);
  });

  it('are written with the batch itself when the tenant has nothing more queued (a single change is never held)', async () => {
    backlog = 1; // only this batch
    const pupil = aPupil({ klass: '9C', school: '20000002' });
    await provision([pupil]);
    expect(await waiting([pupil])).toBe(0);
    expect(await groupNames(pupil)).toEqual(['CN=Elever 20000002', 'CN=Elever alla', 'CN=Klass 9C (20000002)']);
  });

  it('go in at the end of the batch for a group with 50 waiting, while a smaller group waits on', async () => {
    const many = Array.from({ length: 50 }, () => aPupil({ givenName: 'Bo', familyName: 'Ek', klass: '5A', school: '20000003' }));
    const other = aPupil({ givenName: 'Bo', familyName: 'Ek', klass: '5B', school: '20000004' });
    await provision([...many, other]);
    // Role group (51 waiting) and school 20000003 and class 5A (50 each) are written; school 20000004 and 5B wait.
    expect(await waiting(many)).toBe(0);
    expect(await groupNames(many[0]!)).toEqual(['CN=Elever 20000003', 'CN=Elever alla', 'CN=Klass 5A (20000003)']);
    expect(await groupNames(other)).toEqual(['CN=Elever alla']);
    expect(await waiting([other])).toBe(2);
  });

  it('are written when the oldest has waited the delay, though the tenant is still busy', async () => {
    const pupil = aPupil({ klass: '4D', school: '20000005' });
    await provision([pupil]);
    expect(await waiting([pupil])).toBe(3);
    // The delay counts from when the rows were recorded (by the database), however long the batch took after.
    const recordedAt = (await h.prisma.pendingGroupMember.findFirstOrThrow({ where: { identityId: pupil.identityId }, orderBy: { createdAt: 'asc' } })).createdAt.getTime();
    clock = recordedAt + 59_000;
    await scheduler.runOnce();
    expect(await waiting([pupil])).toBe(3);
    clock = recordedAt + 61_000;
    await scheduler.runOnce();
    expect(await waiting([pupil])).toBe(0);
    expect(await groupNames(pupil)).toEqual(['CN=Elever 20000005', 'CN=Elever alla', 'CN=Klass 4D (20000005)']);
  });

  it('find an account renamed or moved meanwhile (by objectGUID) and leave out one deleted meanwhile', async () => {
    const [moved, deleted, kept] = [aPupil({ klass: '3E', school: '20000006' }), aPupil({ klass: '3E', school: '20000006' }), aPupil({ klass: '3E', school: '20000006' })];
    await provision([moved, deleted, kept]);
    const movedDn = (await accountOf(moved)).dn;
    const elsewhere = childDn('CN', 'Moved by hand', h.ou.dn);
    await h.directory.moveEntry(movedDn, elsewhere);
    await h.directory.delete((await accountOf(deleted)).dn);

    backlog = 0;
    await scheduler.runOnce();
    expect(await waiting([moved, deleted, kept])).toBe(0);
    const group = await h.directory.findEntry(childDn('CN', 'Klass 3E (20000006)', h.layout('alpha').groupsDn), ['member']);
    const members = attributeStrings(group!, 'member').map((dn) => dn.toLowerCase());
    expect(members).toHaveLength(2);
    expect(members).toContain(elsewhere.toLowerCase());
    expect(await groupNames(kept)).toEqual(['CN=Elever 20000006', 'CN=Elever alla', 'CN=Klass 3E (20000006)']);
    expect((await h.outbox('directory.alpha.account.failed')).filter((e) => [moved, deleted, kept].some((p) => p.identityId === e.data.identityId))).toEqual([]);
  });

  it('are written before a later version of the identity is planned, so a class change moves the membership', async () => {
    const pupil = aPupil({ klass: '6F', school: '20000007' });
    await provision([pupil]);
    expect(await waiting([pupil])).toBe(3);
    const moved = nextVersion(pupil, { class: { groupId: pupil.class!.groupId + '-b', displayName: '6G', schoolUnitCode: '20000007' } });
    await provision([moved]);
    expect(await waiting([pupil])).toBe(0);
    expect(await groupNames(pupil)).toEqual(['CN=Elever 20000007', 'CN=Elever alla', 'CN=Klass 6G (20000007)']);
    const old = await h.directory.findEntry(childDn('CN', 'Klass 6F (20000007)', h.layout('alpha').groupsDn), ['member']);
    expect(attributeStrings(old!, 'member')).toEqual([]);
  });

  it('fail only the members of a group AD refuses for good, and write the other groups', async () => {
    const pupil = aPupil({ klass: '2H', school: '20000008' });
    await provision([pupil]);
    // Someone takes the class group's DN with another object before it is created.
    const layout = h.layout('alpha');
    await h.directory.add(childDn('CN', 'Klass 2H (20000008)', layout.groupsDn), { objectClass: ['top', 'group'], sAMAccountName: `squatter${Date.now() % 100000}` });
    backlog = 0;
    await scheduler.runOnce();
    expect(await waiting([pupil])).toBe(0);
    expect(await groupNames(pupil)).toEqual(['CN=Elever 20000008', 'CN=Elever alla']);
    const failed = (await h.outbox('directory.alpha.account.failed')).filter((e) => e.data.identityId === pupil.identityId);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ operation: 'sync-groups', error: { code: 'GROUP_CONFLICT' } });
  });
});
