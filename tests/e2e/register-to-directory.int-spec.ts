import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Entry } from 'ldapts';
import {
  eventually,
  findAccounts,
  isDisabled,
  parentDn,
  startE2eSystem,
  values,
  type E2eSystem,
  type E2eTenant,
  type StreamMessage,
} from './support/e2e-system';

/**
 * The whole flow as it runs for real: every app is its own process against real NATS JetStream,
 * PostgreSQL, Samba AD and the register simulator. Each scenario changes the register through the
 * simulator's admin API (which fires the ingest's webhook) and asserts what lands in AD (by LDAP
 * search) and what federation-publisher publishes (federation.* events).
 */
jest.setTimeout(180_000);

interface PupilSummary {
  id: string;
  name: string;
  kind: string;
  securityMarking?: string;
  classes: string[];
}

let system: E2eSystem;
const protectedNames = new Set<string>();

function today(offsetDays = 0): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function classIdOf(summary: string): string {
  const match = /\(([^()]+)\)$/.exec(summary);
  if (!match) throw new Error(`no class id in "${summary}"`);
  return match[1]!;
}

async function pupils(tenant: E2eTenant): Promise<PupilSummary[]> {
  return system.admin<PupilSummary[]>('GET', `/tenants/${tenant}/persons?kind=pupil&limit=500`);
}

/** The one enabled-or-not account of a register person below the tenant's OU. */
async function account(
  tenant: E2eTenant,
  personId: string,
  predicate: (entry: Entry) => boolean = () => true,
  timeoutMs = 90_000,
): Promise<Entry> {
  return eventually(
    `an AD account for person ${personId} in ${tenant} matching the expectation`,
    async () => {
      const found = await findAccounts(system.ldap, system.tenantDn(tenant), personId);
      if (found.length > 1)
        throw new Error(
          `${found.length} accounts for person ${personId}: ${found.map((e) => e.dn).join('; ')}`,
        );
      return found.length === 1 && predicate(found[0]!) ? found[0] : undefined;
    },
    timeoutMs,
  );
}

function eventData(message: StreamMessage): Record<string, unknown> {
  return (message.event?.data ?? {}) as Record<string, unknown>;
}

/** The identity id the normalizer gave a register person (from identity.* events). */
async function identityIdOf(tenant: E2eTenant, personId: string): Promise<string> {
  return eventually(`an identity event for person ${personId}`, async () => {
    const messages = await system.streamMessages('IDENTITY');
    const hit = messages.find(
      (m) =>
        m.subject.startsWith(`identity.${system.tenantId(tenant)}.`) &&
        ((eventData(m).sourceRefs as Array<{ entity: string; id: string }> | undefined) ?? []).some(
          (ref) => ref.id === personId,
        ),
    );
    return hit ? String(eventData(hit).identityId) : undefined;
  });
}

async function identityEvents(
  identityId: string,
): Promise<Array<Record<string, unknown> & { subject: string }>> {
  const messages = await system.streamMessages('IDENTITY');
  return messages
    .filter((m) => eventData(m).identityId === identityId)
    .map((m) => ({ ...eventData(m), subject: m.subject }));
}

/** The newest federation.*.attributes.published for an identity that satisfies `predicate`. */
async function published(
  identityId: string,
  predicate: (data: Record<string, unknown>, attributes: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  return eventually(`attributes published for identity ${identityId} matching the expectation`, async () => {
    const messages = await system.streamMessages('FEDERATION');
    const mine = messages.filter(
      (m) => m.subject.endsWith('.attributes.published') && eventData(m).identityId === identityId,
    );
    const newest = mine.at(-1);
    if (!newest) return undefined;
    const data = eventData(newest);
    return predicate(data, (data.attributes ?? {}) as Record<string, unknown>) ? data : undefined;
  });
}

function groupCns(entry: Entry): string[] {
  return values(entry, 'memberOf').map(
    (dn) => /^CN=((?:\\,|[^,])+)/i.exec(dn)?.[1]?.replace(/\\,/g, ',') ?? dn,
  );
}

async function schoolUnitCode(tenant: E2eTenant, organisationId: string): Promise<string> {
  const response = await fetch(
    `${system.simulator.url}/tenants/${system.tenantId(tenant)}/v2.1/organisations/${organisationId}`,
    {
      headers: { authorization: `Bearer ${system.env[`REGISTER_TOKEN_${tenant.toUpperCase()}`]}` },
    },
  );
  const organisation = (await response.json()) as { schoolUnitCode?: string };
  if (!organisation.schoolUnitCode) throw new Error(`organisation ${organisationId} has no schoolUnitCode`);
  return organisation.schoolUnitCode;
}

beforeAll(async () => {
  system = await startE2eSystem({ personsPerTenant: 30 });
  for (const tenant of ['lidkoping', 'skara'] as const) {
    for (const pupil of await system.admin<PupilSummary[]>('GET', `/tenants/${tenant}/persons?limit=500`)) {
      if (pupil.securityMarking && pupil.securityMarking !== 'Ingen') protectedNames.add(pupil.name);
    }
  }
}, 240_000);

afterAll(async () => {
  await system?.close();
}, 120_000);

describe('register → AD → federation, every app as its own process', () => {
  const enrolled = {
    personId: '',
    classId: '',
    schoolUnitId: '',
    identityId: '',
    sAMAccountName: '',
    eppn: '',
  };
  const familyName = `Enrolsson${randomUUID().slice(0, 6)}`;

  it('starts every app', () => {
    expect(system.startErrors).toEqual({});
  });

  it('enrol: a new pupil gets an account in the school unit OU, its groups and an ePPN', async () => {
    system.app('ad-provisioner');
    const result = await system.admin<{ personId: string; schoolUnitId: string; classId?: string }>(
      'POST',
      '/tenants/skara/enrol',
      {
        givenName: 'Ebba',
        familyName,
        schoolYear: 5,
      },
    );
    expect(result.classId).toEqual(expect.any(String));
    Object.assign(enrolled, {
      personId: result.personId,
      classId: result.classId!,
      schoolUnitId: result.schoolUnitId,
    });

    const code = await schoolUnitCode('skara', result.schoolUnitId);
    const entry = await account('skara', result.personId, (e) =>
      groupCns(e).some((cn) => cn.startsWith('Klass ')),
    );
    expect(isDisabled(entry)).toBe(false);
    expect(parentDn(entry.dn)).toBe(`OU=${code},OU=Elever,${system.tenantDn('skara')}`);
    expect(values(entry, 'displayName')).toEqual([`Ebba ${familyName}`]);
    expect(groupCns(entry)).toEqual(expect.arrayContaining(['Elever alla', `Elever ${code}`]));
    const classes = await system.admin<Array<{ id: string; displayName: string }>>(
      'GET',
      '/tenants/skara/groups?groupType=Klass&limit=1000',
    );
    const klass = classes.find((c) => c.id === result.classId)!;
    expect(groupCns(entry).filter((cn) => cn.startsWith('Klass '))).toEqual([
      expect.stringContaining(`Klass ${klass.displayName} `),
    ]);
    enrolled.sAMAccountName = values(entry, 'sAMAccountName')[0]!;

    enrolled.identityId = await identityIdOf('skara', result.personId);
    const data = await published(enrolled.identityId);
    const attributes = data.attributes as Record<string, unknown>;
    expect(attributes.eduPersonPrincipalName).toMatch(/^[^@\s]+@skara\.se$/);
    expect(attributes.eduPersonScopedAffiliation).toEqual(expect.arrayContaining(['student@skara.se']));
    expect(attributes.sisSchoolUnitCode).toEqual([code]);
    expect(attributes.givenName).toBe('Ebba');
    expect(data.protected).toBe(false);
    enrolled.eppn = String(attributes.eduPersonPrincipalName);
  });

  it('rename: displayName follows, sAMAccountName and ePPN stay', async () => {
    expect(enrolled.sAMAccountName).not.toBe('');
    const renamed = `Bytesdotter${randomUUID().slice(0, 6)}`;
    await system.admin('POST', `/tenants/skara/persons/${enrolled.personId}/rename`, { familyName: renamed });
    const entry = await account(
      'skara',
      enrolled.personId,
      (e) => values(e, 'displayName')[0] === `Ebba ${renamed}`,
    );
    expect(values(entry, 'sn')).toEqual([renamed]);
    expect(values(entry, 'sAMAccountName')).toEqual([enrolled.sAMAccountName]);
    const data = await published(enrolled.identityId, (_, a) => a.sn === renamed);
    expect((data.attributes as Record<string, unknown>).eduPersonPrincipalName).toBe(enrolled.eppn);
  });

  it('class change: membership moves from the old class group to the new one', async () => {
    expect(enrolled.classId).not.toBe('');
    const classes = await system.admin<
      Array<{ id: string; displayName: string; organisation: { id: string } }>
    >('GET', '/tenants/skara/groups?groupType=Klass&limit=1000');
    const old = classes.find((c) => c.id === enrolled.classId)!;
    const target = classes.find((c) => c.organisation.id === old.organisation.id && c.id !== old.id)!;
    expect(target).toBeDefined();
    await system.admin('POST', `/tenants/skara/persons/${enrolled.personId}/change-class`, {
      classId: target.id,
    });
    const onlyTarget = (e: Entry) => {
      const classGroups = groupCns(e).filter((cn) => cn.startsWith('Klass '));
      return classGroups.length === 1 && classGroups[0]!.startsWith(`Klass ${target.displayName} `);
    };
    const entry = await account('skara', enrolled.personId, onlyTarget);
    const classGroups = groupCns(entry).filter((cn) => cn.startsWith('Klass '));
    expect(classGroups).toEqual([expect.stringContaining(`Klass ${target.displayName} `)]);
    expect(values(entry, 'sAMAccountName')).toEqual([enrolled.sAMAccountName]);
  });

  const leavers = { gone: '' };

  it('leaver: active and in place while the grace period runs', async () => {
    const candidates = (await pupils('skara')).filter(
      (p) => p.classes.length > 0 && p.securityMarking === 'Ingen',
    );
    const stays = candidates[0]!;
    leavers.gone = candidates[1]!.id;

    // Left yesterday: "leaving" with the grace period (30 days) ahead; the account stays enabled
    // where it is, only the class membership (ended yesterday) goes.
    const before = await account('skara', stays.id);
    expect(isDisabled(before)).toBe(false);
    const identityId = await identityIdOf('skara', stays.id);
    await system.admin('POST', `/tenants/skara/persons/${stays.id}/leave`, { endDate: today(-1) });
    const leaving = await eventually('the identity to be leaving', async () =>
      (await identityEvents(identityId)).find((e) => e.status === 'leaving'),
    );
    expect(Date.parse(String(leaving.graceEndsAt))).toBeGreaterThan(Date.now() + 25 * 86_400_000);
    const during = await account(
      'skara',
      stays.id,
      (e) => !groupCns(e).some((cn) => cn.startsWith('Klass ')),
    );
    expect(isDisabled(during)).toBe(false);
    expect(parentDn(during.dn)).toBe(parentDn(before.dn));
    expect(values(during, 'sAMAccountName')).toEqual(values(before, 'sAMAccountName'));
    expect(
      (await system.streamMessages('FEDERATION')).filter(
        (m) => m.subject.endsWith('.attributes.revoked') && eventData(m).identityId === identityId,
      ),
    ).toEqual([]);
  });

  it('leaver: after the grace period disabled, moved to the leavers OU and attributes revoked', async () => {
    expect(leavers.gone).not.toBe('');
    const gone = { id: leavers.gone };
    // After the grace period. No app takes an injected clock when run as a process (see the
    // report), so "later" is a pupil the register says left 40 days ago: the grace is over.
    const gonePrevious = await account('skara', gone.id);
    expect(isDisabled(gonePrevious)).toBe(false);
    const goneIdentity = await identityIdOf('skara', gone.id);
    await system.admin('POST', `/tenants/skara/persons/${gone.id}/leave`, { endDate: today(-40) });
    // Disabling and moving are separate LDAP writes: wait for both.
    const leaversOu = `OU=Avslutade,${system.tenantDn('skara')}`;
    const after = await account('skara', gone.id, (e) => isDisabled(e) && parentDn(e.dn) === leaversOu);
    expect(parentDn(after.dn)).toBe(leaversOu);
    expect(values(after, 'sAMAccountName')).toEqual(values(gonePrevious, 'sAMAccountName'));
    expect(groupCns(after)).toEqual([]);
    await eventually('attributes revoked', async () =>
      (await system.streamMessages('FEDERATION')).some(
        (m) =>
          m.subject === `federation.${system.tenantId('skara')}.attributes.revoked` &&
          eventData(m).identityId === goneIdentity,
      ),
    );
  });

  it('move Skara → Lidköping: a new account in Lidköping, the old one leaving through the normal lifecycle', async () => {
    const candidates = (await pupils('skara')).filter(
      (p) => p.classes.length > 0 && p.securityMarking === 'Ingen',
    );
    const pupil = candidates.at(-1)!;
    expect(candidates.length).toBeGreaterThan(3);
    const old = await account('skara', pupil.id);
    expect(isDisabled(old)).toBe(false);
    const moved = await system.admin<{ toPersonId: string }>(
      'POST',
      `/tenants/skara/persons/${pupil.id}/move`,
      { toTenant: system.tenantId('lidkoping') },
    );
    const fresh = await account('lidkoping', moved.toPersonId, (e) => !isDisabled(e));
    expect(fresh.dn.endsWith(`OU=Elever,${system.tenantDn('lidkoping')}`)).toBe(true);
    // The old identity is deactivated through the normal lifecycle (issue 5): it is leaving now,
    // and its account is disabled when the grace period ends (covered by the leaver scenarios).
    const oldIdentity = await identityIdOf('skara', pupil.id);
    const leaving = await eventually('the old identity to be leaving', async () =>
      (await identityEvents(oldIdentity)).find((e) => e.status === 'leaving'),
    );
    expect(Date.parse(String(leaving.graceEndsAt))).toBeGreaterThan(Date.now());
    const during = await account('skara', pupil.id);
    expect(parentDn(during.dn)).toBe(parentDn(old.dn));
    expect(values(during, 'sAMAccountName')).toEqual(values(old, 'sAMAccountName'));
    // Still exactly one account each side.
    expect(await findAccounts(system.ldap, system.ou.dn, moved.toPersonId)).toHaveLength(1);
    expect(await findAccounts(system.ldap, system.ou.dn, pupil.id)).toHaveLength(1);
    const identityId = await identityIdOf('lidkoping', moved.toPersonId);
    const data = await published(identityId);
    expect((data.attributes as Record<string, unknown>).eduPersonPrincipalName).toMatch(/@lidkoping\.se$/);
  });

  it('protected identity: neutral names in AD and minimal attributes', async () => {
    // A pupil protected from the start (the seed's person #5) and one protected now.
    const seeded = (await system.admin<PupilSummary[]>('GET', '/tenants/lidkoping/persons?limit=500')).find(
      (p) => p.securityMarking === 'Skyddad folkbokföring' && p.kind === 'pupil',
    );
    const now = (await pupils('lidkoping')).find(
      (p) => p.securityMarking === 'Ingen' && p.classes.length > 0,
    )!;
    await account('lidkoping', now.id, (e) => !isDisabled(e));
    await system.admin('POST', `/tenants/lidkoping/persons/${now.id}/protect`, {});

    for (const person of [now, ...(seeded ? [seeded] : [])]) {
      const entry = await account(
        'lidkoping',
        person.id,
        (e) => values(e, 'displayName')[0] === 'Skyddad identitet',
      );
      expect(values(entry, 'givenName')).toEqual(['Skyddad identitet']);
      expect(values(entry, 'sn')).toEqual(['Skyddad identitet']);
      expect(entry.dn).not.toContain(person.name.split(' ')[0]!);
      const identityId = await identityIdOf('lidkoping', person.id);
      const data = await published(identityId, (d) => d.protected === true);
      const attributes = data.attributes as Record<string, unknown>;
      expect(attributes.givenName).toBeUndefined();
      expect(attributes.sn).toBeUndefined();
      expect(attributes.displayName).toBeUndefined();
      expect(attributes.mail).toBeUndefined();
      expect(attributes.eduPersonPrincipalName).toMatch(/@lidkoping\.se$/);
    }
    expect(seeded).toBeDefined();
  });

  it('garbage from the register is rejected and visible, and nothing else is affected', async () => {
    const snapshot = async () =>
      (
        await system.ldap.search(system.tenantDn('skara'), {
          scope: 'sub',
          filter: '(objectClass=user)',
          attributes: ['employeeNumber', 'userAccountControl', 'displayName'],
        })
      ).searchEntries
        .map((e) => `${e.dn}|${String(e.userAccountControl)}|${String(e.displayName)}`)
        .sort();
    const before = await snapshot();
    const garbageId = randomUUID();
    await system.admin('PUT', `/tenants/skara/raw/persons/${garbageId}`, {
      givenName: 'Skräp',
      civicNo: { value: '12345' },
      securityMarking: 'Hemlig',
    });

    const rejection = await eventually('ops.skara.record.rejected for the garbage record', async () =>
      (await system.streamMessages('OPS')).find(
        (m) =>
          m.subject === `ops.${system.tenantId('skara')}.record.rejected` &&
          (eventData(m).record as { id?: string } | undefined)?.id === garbageId,
      ),
    );
    expect(eventData(rejection).reasons).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(rejection.raw).not.toContain('12345');

    // The pipeline still flows after the garbage: a later rename of the enrolled pupil lands.
    const renamed = `Efterskrap${randomUUID().slice(0, 6)}`;
    await system.admin('POST', `/tenants/skara/persons/${enrolled.personId}/rename`, { familyName: renamed });
    await account('skara', enrolled.personId, (e) => values(e, 'displayName')[0] === `Ebba ${renamed}`);

    const after = await snapshot();
    const changed = after.filter((line) => !before.includes(line));
    expect(changed.every((line) => line.includes(renamed))).toBe(true);
    expect(after).toHaveLength(before.length);
    expect((await system.streamMessages('IDENTITY')).filter((m) => m.raw.includes(garbageId))).toEqual([]);
    expect(await findAccounts(system.ldap, system.ou.dn, garbageId)).toEqual([]);
  });

  it('privacy: no civic number and no protected real name in any log line or any event outside the restricted streams', async () => {
    const civicNumbers = new Set<string>();
    for (const tenant of ['lidkoping', 'skara'] as const) {
      for (const person of await system.registerPersons(tenant)) {
        const value = (person.civicNo as { value?: string } | undefined)?.value;
        if (value && /^\d{12}$/.test(value)) civicNumbers.add(value);
      }
    }
    expect(civicNumbers.size).toBeGreaterThan(20);
    expect(protectedNames.size).toBeGreaterThan(0);

    const haystacks: Array<{ where: string; text: string }> = [];
    for (const file of system.logFiles()) haystacks.push({ where: file, text: readFileSync(file, 'utf8') });
    for (const stream of ['IDENTITY', 'DIRECTORY', 'FEDERATION', 'OPS']) {
      const messages = await system.streamMessages(stream);
      expect(messages.length).toBeGreaterThan(stream === 'OPS' ? 0 : 10);
      for (const m of messages) haystacks.push({ where: `${stream}#${m.seq} ${m.subject}`, text: m.raw });
    }

    const findings: string[] = [];
    for (const { where, text } of haystacks) {
      for (const found of text.match(/\d{8}-?\d{4}/g) ?? []) {
        const digits = found.replace('-', '');
        if (civicNumbers.has(digits)) findings.push(`${where}: civic number ${digits.slice(0, 6)}…`);
      }
      for (const name of protectedNames) {
        if (text.includes(name)) findings.push(`${where}: protected name ${name.slice(0, 3)}…`);
      }
    }
    expect(findings).toEqual([]);
  });
});
