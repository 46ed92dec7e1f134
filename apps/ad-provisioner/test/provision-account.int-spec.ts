// Given identity versions and a directory state, when the provisioner handles them, then AD looks
// like this and these directory.* events are in the outbox. Real PostgreSQL and Samba AD.
import {

  UAC_ENABLED,
  attributeBuffer,
  attributeString,
  attributeStrings,
  childDn,
  equalsFilter,
  guidToString,
  isDnWithin,
  normalizeDn,
  parentDn,

} from '@skolkonto/directory';
import { PlanNotPendingError } from '../src/approve-plan/approve-plan.service';
import { TenantMismatchError } from '../src/provision-account/provision-account.service';
import { aPupil, aStaffMember, nextVersion } from './builders';
import { createHarness, type Harness } from './provisioner-harness';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

async function accountOf(identityId: string, tenant = 'alpha') {
  const link = await h.prisma.accountLink.findUniqueOrThrow({ where: { tenant_identityId: { tenant, identityId } } });
  const entry = await h.directory.findEntry(`<GUID=${link.objectGuid}>`, [
    'sAMAccountName',
    'userPrincipalName',
    'userAccountControl',
    'displayName',
    'givenName',
    'sn',
    'msDS-cloudExtensionAttribute1',
    'memberOf',
    'objectGUID',
    'cn',
  ]);
  return { link, entry: entry! };
}

describe('ad-provisioner against Samba AD', () => {
  it('creates the tenant layout idempotently', async () => {
    const layout = h.layout('alpha');
    await h.executor.execute(layout, []);
    await h.executor.execute(layout, []);
    for (const dn of layout.baseOus()) expect(await h.directory.findEntry(dn)).not.toBeNull();
    expect(layout.rootDn).toBe(`OU=Alpha,OU=Skolkonto,${h.ou.dn}`);
  });

  it('creates an enabled account with groups, the register person id, UPN and the objectGUID linked', async () => {
    const pupil = aPupil({ givenName: 'Kalle', familyName: 'Karlsson', klass: '7B' });
    const outcome = await h.provision.provisionBatch(h.layout('alpha'), [{ identity: pupil }]);
    expect(outcome.status).toBe('applied');
    const { link, entry } = await accountOf(pupil.identityId);
    expect(attributeString(entry, 'userAccountControl')).toBe('512');
    expect(attributeString(entry, 'sAMAccountName')).toMatch(/^kalkar\d\d$/);
    expect(attributeString(entry, 'userPrincipalName')).toBe(`${link.sAMAccountName}@alpha.skola.test`);
    expect(attributeString(entry, 'msDS-cloudExtensionAttribute1')).toBe(pupil.sourceRefs[0]!.id);
    expect(guidToString(attributeBuffer(entry, 'objectGUID')!)).toBe(link.objectGuid);
    expect(normalizeDn(parentDn(entry.dn))).toBe(normalizeDn(h.layout('alpha').accountOuDn('pupil', '12345678')));
    const groups = attributeStrings(entry, 'memberOf').map((g) => g.split(',')[0]);
    expect(groups.sort()).toEqual(['CN=Elever 12345678', 'CN=Elever alla', 'CN=Klass 7B (12345678)']);
    const events = await h.outbox('directory.alpha.account.provisioned');
    expect(events.map((e) => e.data.identityId)).toContain(pupil.identityId);
    const event = events.find((e) => e.data.identityId === pupil.identityId)!;
    expect(event.data).toMatchObject({ sAMAccountName: link.sAMAccountName, accountId: link.objectGuid, mode: 'created', enabled: true });
    expect(JSON.stringify(await h.outbox())).not.toMatch(/unicodePwd|password/i);
  });

  it('gives two people named Åsa Öberg distinct names', async () => {
    const a = aPupil({ givenName: 'Åsa', familyName: 'Öberg' });
    const b = aPupil({ givenName: 'Åsa', familyName: 'Öberg' });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: a }, { identity: b }]);
    const nameA = (await accountOf(a.identityId)).link.sAMAccountName;
    const nameB = (await accountOf(b.identityId)).link.sAMAccountName;
    expect(nameA).toMatch(/^asaobe\d\d$/);
    expect(nameB).toMatch(/^asaobe\d\d$/);
    expect(nameA).not.toBe(nameB);
  });

  it('keeps the account name when the person is renamed, and moves on a school change', async () => {
    const pupil = aPupil({ givenName: 'Lisa', familyName: 'Larsson', school: '11111111' });
    const classmate = aPupil({ givenName: 'Nils', familyName: 'Nilsson', school: '11111111' });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: pupil }, { identity: classmate }]);
    const before = await accountOf(pupil.identityId);
    const renamed = nextVersion(pupil, { names: { givenName: 'Lisa', familyName: 'Berg', displayName: 'Lisa Berg', protected: false } });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: renamed }]);
    const after = await accountOf(pupil.identityId);
    expect(after.link.sAMAccountName).toBe(before.link.sAMAccountName);
    expect(attributeString(after.entry, 'sn')).toBe('Berg');
    expect(attributeString(after.entry, 'displayName')).toBe('Lisa Berg');
    expect(attributeString(after.entry, 'cn')).toBe(`Lisa Berg (${before.link.sAMAccountName})`);
    expect(after.link.objectGuid).toBe(before.link.objectGuid);

    const moved = nextVersion(renamed, { schoolUnits: [{ ...renamed.schoolUnits[0]!, schoolUnitCode: '22222222' }] });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: moved }]);
    const there = await accountOf(pupil.identityId);
    expect(normalizeDn(parentDn(there.entry.dn))).toBe(normalizeDn(h.layout('alpha').accountOuDn('pupil', '22222222')));
    expect(attributeStrings(there.entry, 'memberOf').map((g) => g.split(',')[0]).sort()).toEqual(['CN=Elever 22222222', 'CN=Elever alla']);
    // the old school's group lost only this member
    const oldGroup = await h.directory.findEntry(childDn('CN', 'Elever 11111111', h.layout('alpha').groupsDn), ['member']);
    expect(attributeStrings(oldGroup!, 'member').map(normalizeDn)).toEqual([normalizeDn((await accountOf(classmate.identityId)).entry.dn)]);
    expect((await h.outbox('directory.alpha.account.moved')).some((e) => e.data.identityId === pupil.identityId)).toBe(true);
  });

  it('disables and moves a suspended account to leavers, and re-enables it on reactivation', async () => {
    const staff = aStaffMember({ givenName: 'Greta', familyName: 'Garbo' });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: staff }]);
    const name = (await accountOf(staff.identityId)).link.sAMAccountName;
    expect(name).toBe('greta.garbo');
    const suspended = nextVersion(staff, { status: 'suspended' });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: suspended, reason: 'suspended by operator' }]);
    const off = await accountOf(staff.identityId);
    expect(attributeString(off.entry, 'userAccountControl')).toBe('514');
    expect(normalizeDn(parentDn(off.entry.dn))).toBe(normalizeDn(h.layout('alpha').leaversDn));
    expect(attributeStrings(off.entry, 'memberOf')).toEqual([]);
    const back = nextVersion(suspended, { status: 'active' });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: back }]);
    const on = await accountOf(staff.identityId);
    expect(attributeString(on.entry, 'userAccountControl')).toBe('512');
    expect(normalizeDn(parentDn(on.entry.dn))).toBe(normalizeDn(h.layout('alpha').accountOuDn('staff', '12345678')));
    expect(on.link.sAMAccountName).toBe(name);
  });

  it('ignores a stale or duplicate identity version', async () => {
    const pupil = aPupil({ givenName: 'Olle', familyName: 'Olsson' });
    const v2 = nextVersion(pupil, { names: { ...pupil.names, displayName: 'Olle O' } });
    await h.provision.provisionBatch(h.layout('alpha'), [{ identity: v2 }]);
    const outcome = await h.provision.provisionBatch(h.layout('alpha'), [{ identity: pupil }, { identity: v2 }]);
    expect(outcome.status).toBe('noop');
    expect(attributeString((await accountOf(pupil.identityId)).entry, 'displayName')).toBe('Olle O');
  });

  it('adopts an existing account carrying the person id instead of creating a second one', async () => {
    const pupil = aPupil({ givenName: 'Adam', familyName: 'Adopt' });
    const layout = h.layout('alpha');
    await h.executor.execute(layout, []);
    const dn = childDn('CN', 'Adam Manual', layout.pupilsDn);
    const sam = `adopt${Date.now() % 1_000_000}`;
    await h.directory.add(dn, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: sam,
      'msDS-cloudExtensionAttribute1': pupil.sourceRefs[0]!.id,
      givenName: 'Adam',
      sn: 'Manual',
    });
    await h.provision.provisionBatch(layout, [{ identity: pupil }]);
    const { link, entry } = await accountOf(pupil.identityId);
    expect(link.sAMAccountName).toBe(sam);
    expect(attributeString(entry, 'sn')).toBe('Adopt');
    const all = await h.directory.search(layout.rootDn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', pupil.sourceRefs[0]!.id), attributes: ['1.1'] });
    expect(all).toHaveLength(1);
    const provisioned = (await h.outbox('directory.alpha.account.provisioned')).find((e) => e.data.identityId === pupil.identityId);
    expect(provisioned?.data.mode).toBe('linked');
  });

  it('never hands out a deleted account\'s name again', async () => {
    const layout = h.layout('alpha');
    const first = aStaffMember({ givenName: 'Dora', familyName: 'Deleted' });
    await h.provision.provisionBatch(layout, [{ identity: first }]);
    const { link } = await accountOf(first.identityId);
    expect(link.sAMAccountName).toBe('dora.deleted');
    await h.provision.provisionBatch(layout, [{ identity: nextVersion(first, { status: 'deactivated' }) }]);
    await h.runner.submit(
      layout,
      [{ index: 0, action: 'delete', identityId: first.identityId, identityVersion: 2, target: link.dn, before: null, after: null, reason: 'retention period ended' }],
      'retention',
    );
    expect(await h.directory.findEntry(`<GUID=${link.objectGuid}>`)).toBeNull();
    const second = aStaffMember({ givenName: 'Dora', familyName: 'Deleted' });
    await h.provision.provisionBatch(layout, [{ identity: second }]);
    expect((await accountOf(second.identityId)).link.sAMAccountName).toBe('dora.deleted2');
    expect((await h.outbox('directory.alpha.account.deleted')).map((e) => e.data.sAMAccountName)).toContain('dora.deleted');
  });

  it('records a constraint violation as directory.account.failed without retrying', async () => {
    const layout = h.layout('alpha');
    const pupil = aStaffMember({ givenName: 'Upn', familyName: 'Clash' });
    // Someone outside our OUs already holds the UPN our first candidate would get.
    const other = childDn('CN', 'upn clash holder', h.ou.dn);
    await h.directory.add(other, {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: `uc${Date.now() % 1_000_000}`,
      userPrincipalName: 'upn.clash@alpha.skola.test',
    });
    const outcome = await h.provision.provisionBatch(layout, [{ identity: pupil }]);
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') expect(outcome.result.failed).toBe(1);
    const failed = (await h.outbox('directory.alpha.account.failed')).find((e) => e.data.identityId === pupil.identityId);
    expect(failed?.data).toMatchObject({ operation: 'provision', retryable: false, attempts: 1, error: { code: 'CONSTRAINT' } });
    expect(String((failed!.data.error as { message: string }).message)).toMatch(/0000|constraint/i);
  });

  it('holds a mass-disable plan over the threshold and applies it exactly once on approval', async () => {
    const layout = h.layout('alpha');
    const people = Array.from({ length: 4 }, (_, i) => aStaffMember({ givenName: 'Mass', familyName: `Leaver${i}`, school: '33333333' }));
    await h.provision.provisionBatch(layout, people.map((identity) => ({ identity })));
    // Thresholds count per batch (alpha: more than 3 disables); the handler's IdentityEventBatcher
    // makes such batches from events (event-batching.int-spec publishes 60 disables as events).
    const outcome = await h.provision.provisionBatch(
      layout,
      people.map((p) => ({ identity: nextVersion(p, { status: 'deactivated' }), reason: 'register-deleted' })),
    );
    expect(outcome.status).toBe('held');
    if (outcome.status !== 'held') return;
    expect(outcome.breaches).toEqual([{ kind: 'count', limit: 3, actual: 4 }]);
    for (const p of people) expect(attributeString((await accountOf(p.identityId)).entry, 'userAccountControl')).toBe('512');
    const held = (await h.outbox('ops.alpha.plan.held')).find((e) => e.data.planId === outcome.planId)!;
    expect(held.data.operations).toHaveLength(4);
    expect((held.data.operations as Array<{ action: string; before: unknown; after: unknown }>).every((o) => o.action === 'disable' && o.before && o.after)).toBe(true);

    const result = await h.approvals.approve(outcome.planId, 'operator-1');
    expect(result.applied).toBe(4);
    for (const p of people) expect(attributeString((await accountOf(p.identityId)).entry, 'userAccountControl')).toBe('514');
    const disabledEvents = () => h.outbox('directory.alpha.account.disabled');
    const count = (await disabledEvents()).length;
    await expect(h.approvals.approve(outcome.planId, 'operator-2')).rejects.toBeInstanceOf(PlanNotPendingError);
    expect((await disabledEvents()).length).toBe(count);
    const plan = await h.prisma.provisioningPlan.findUniqueOrThrow({ where: { id: outcome.planId } });
    expect(plan).toMatchObject({ status: 'applied', decidedBy: 'operator-1' });
  });

  it('in dry-run only publishes the plan', async () => {
    const layout = h.layout('gamma');
    const pupil = aPupil({ tenant: 'gamma', givenName: 'Dry', familyName: 'Run' });
    const outcome = await h.provision.provisionBatch(layout, [{ identity: pupil }]);
    expect(outcome.status).toBe('dry-run');
    expect(await h.prisma.accountLink.count({ where: { tenant: 'gamma' } })).toBe(0);
    const held = await h.outbox('ops.gamma.plan.held');
    expect(held).toHaveLength(1);
    expect(held[0]!.data.reason).toMatch(/dry run/);
    expect(await h.directory.findEntry(layout.rootDn)).toBeNull();
  });
});

describe('tenant boundaries', () => {
  it('refuses an identity of another tenant in a tenant\'s batch', async () => {
    const foreign = aPupil({ tenant: 'beta' });
    await expect(h.provision.provisionBatch(h.layout('alpha'), [{ identity: foreign }])).rejects.toBeInstanceOf(TenantMismatchError);
    expect(await h.prisma.accountLink.count({ where: { identityId: foreign.identityId } })).toBe(0);
  });

  it('keeps hostile names and class names inside the tenant OU with correct DNs', async () => {
    const layout = h.layout('alpha');
    const hostile = [
      aPupil({ givenName: 'x,OU=Beta', familyName: 'y+CN=Admin', klass: '7A,OU=Beta,OU=Skolkonto' }),
      aPupil({ givenName: '#\\"Evil"', familyName: ' ;<>', klass: '\\' }),
      aPupil({ givenName: 'Дмитрий', familyName: '山田' }),
      aPupil({ givenName: 'A'.repeat(200), familyName: 'B\u0000'.repeat(100) }),
    ];
    const outcome = await h.provision.provisionBatch(layout, hostile.map((identity) => ({ identity })));
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') expect(outcome.result.failed).toBe(0);
    for (const person of hostile) {
      const { link, entry } = await accountOf(person.identityId);
      expect(isDnWithin(entry.dn, layout.rootDn)).toBe(true);
      expect(normalizeDn(entry.dn)).toBe(normalizeDn(link.dn));
      expect(link.sAMAccountName.length).toBeLessThanOrEqual(20);
      expect(link.sAMAccountName).toMatch(/^[a-z0-9.-]+$/);
      for (const group of attributeStrings(entry, 'memberOf')) expect(isDnWithin(group, layout.groupsDn)).toBe(true);
    }
    expect(await h.directory.findEntry(h.layout('beta').rootDn)).toBeNull();
  });

  it('refuses a crafted plan operation that points outside the tenant and records the failure', async () => {
    const layout = h.layout('alpha');
    const beta = h.layout('beta');
    const pupil = aPupil({ givenName: 'Craft', familyName: 'Ed' });
    const ops = await h.provision.plan(layout, [{ identity: pupil }]);
    const crafted = ops.map((op) => ({ ...op, desired: { ...op.desired!, ouDn: beta.pupilsDn } }));
    const result = await h.executor.execute(layout, crafted);
    expect(result.failed).toBe(1);
    const failed = (await h.outbox('directory.alpha.account.failed')).find((e) => e.data.identityId === pupil.identityId);
    expect(failed?.data.error).toMatchObject({ code: 'OUTSIDE_TENANT' });
    expect(await h.directory.findEntry(beta.rootDn)).toBeNull();
    const crossTenant = ops.map((op) => ({ ...op, desired: { ...op.desired!, tenant: 'beta' } }));
    expect((await h.executor.execute(layout, crossTenant)).failed).toBe(1);
    const users = await h.directory.search(h.ou.dn, { filter: equalsFilter('msDS-cloudExtensionAttribute1', pupil.sourceRefs[0]!.id), attributes: ['1.1'] });
    expect(users).toHaveLength(0);
  });
});

describe('drift reconciliation', () => {
  it('reports and repairs an account re-enabled, moved and given a group by hand', async () => {
    const layout = h.layout('beta');
    const kept = aStaffMember({ tenant: 'beta', givenName: 'Drift', familyName: 'Kept' });
    const leaver = aStaffMember({ tenant: 'beta', givenName: 'Drift', familyName: 'Leaver' });
    await h.provision.provisionBatch(layout, [{ identity: kept }, { identity: leaver }]);
    await h.provision.provisionBatch(layout, [{ identity: nextVersion(leaver, { status: 'deactivated' }) }]);
    const l = await accountOf(leaver.identityId, 'beta');
    const k = await accountOf(kept.identityId, 'beta');
    // by hand: re-enable the leaver, move the kept account to the pupils OU, add the leaver to a group
    await h.directory.modify(l.entry.dn, [{ operation: 'replace', attribute: 'userAccountControl', values: [UAC_ENABLED] }]);
    const movedDn = childDn('CN', attributeString(k.entry, 'cn'), layout.pupilsDn);
    await h.directory.moveEntry(k.entry.dn, movedDn);
    const staffGroup = childDn('CN', 'Personal alla', layout.groupsDn);
    await h.directory.modify(staffGroup, [{ operation: 'add', attribute: 'member', values: [l.entry.dn] }]);
    const handGroup = childDn('CN', 'Hand made', layout.groupsDn);
    await h.directory.add(handGroup, { objectClass: ['top', 'group'], sAMAccountName: `hand${Date.now() % 100000}`, member: [movedDn] });
    // and an account nobody asked for
    await h.directory.add(childDn('CN', 'Stray', layout.staffDn), {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: `stray${Date.now() % 100000}`,
    });

    const reported = await h.reconcile.reconcile(layout, 'report');
    const kinds = reported.map((d) => `${d.kind}:${d.action}`).sort();
    expect(kinds).toEqual(['enabled-state:reported', 'location:reported', 'membership:reported', 'membership:reported', 'unknown-account:reported']);
    expect(attributeString((await accountOf(leaver.identityId, 'beta')).entry, 'userAccountControl')).toBe('512');
    expect((await h.outbox('directory.beta.drift.detected')).length).toBe(5);

    // Disabling the leaver again also drops its hand-made membership; the hand-made group loses
    // only the member value that was added by hand.
    const repaired = await h.reconcile.reconcile(layout, 'repair');
    expect(repaired.filter((d) => d.action === 'corrected').map((d) => d.kind).sort()).toEqual(['enabled-state', 'location', 'membership']);
    expect(attributeStrings((await h.directory.findEntry(handGroup, ['member']))!, 'member')).toEqual([]);
    expect(attributeString((await accountOf(leaver.identityId, 'beta')).entry, 'userAccountControl')).toBe('514');
    const back = await accountOf(kept.identityId, 'beta');
    expect(normalizeDn(parentDn(back.entry.dn))).toBe(normalizeDn(layout.accountOuDn('staff', '12345678')));
    const group = await h.directory.findEntry(staffGroup, ['member']);
    expect(attributeStrings(group!, 'member').map(normalizeDn)).toEqual([normalizeDn(back.entry.dn)]);
    const again = await h.reconcile.reconcile(layout, 'report');
    expect(again.map((d) => d.kind)).toEqual(['unknown-account']);
  });
});

