import { createHash, randomUUID } from 'node:crypto';
import { EVENTS, buildEvent, type CloudEvent, type PersonChangedV1, type PersonDeactivatedV1, type PersonReactivatedV1 } from '@skolkonto/contracts';
import { isActiveOn, lifecycleEventKind, parseCivicNumber, todayOf, type Clock, type LifecycleCause, type LifecycleState, type LifecycleTransition } from '@skolkonto/domain';
import { buildIdentity, changedFields, lifecycleSteps, stableJson, type BuiltIdentity, type IdentityBody, type StoredMembership, type StoredOrganisation, type StoredPerson } from './build-identity';
import type { NormalizerMetrics } from './normalizer-metrics';
import type { NormalizerDatabase } from './normalizer-database';
import { NormalizerError } from './normalizer.errors';
import { NormalizerRepository, keyOf, toLifecycleStatus, type EntityKey, type IdentityWrite, type LinkedIdentity, type Tx } from './normalizer.repository';
import type { RegisterEvent } from './register-event';
import { parseDuty, parseGroup, parseOrganisation, parsePerson, type DutyRow, type GroupRow, type OrganisationRow, type PersonRow } from './register-record';
import type { TenantPolicy } from './tenant-policy';

/**
 * The metadirectory's core: applies register events to the projection and rebuilds every identity
 * they touch, in one transaction per batch. An identity whose canonical body differs from the last
 * published one gets version + 1, a history row and an identity.* event in the outbox — all
 * committed together. No NATS or HTTP types here; the handler decodes and calls applyBatch.
 */
export interface BatchResult {
  applied: number;
  skipped: number;
  /** Records that cannot be normalized: published as ops.<tenant>.record.rejected, not retried. */
  rejected: Array<{ eventId: string; reason: string }>;
  /** Events the normalizer cannot take at all (unknown tenant): dead-lettered for replay. */
  refused: Array<{ eventId: string; reason: string }>;
  published: number;
}

const SOURCE = 'identity-normalizer';
const NO_TRACES: ReadonlyMap<string, string> = new Map();
const DEACTIVATION_REASON: Partial<Record<LifecycleCause, PersonDeactivatedV1['reason']>> = {
  MERGED: 'merged',
  RETENTION_PERIOD_ENDED: 'grace-expired',
  GRACE_PERIOD_ENDED: 'grace-expired',
  PERSON_DECEASED: 'deceased',
  PERSON_EMIGRATED: 'emigrated',
  DELETED_IN_REGISTER: 'register-deleted',
};

type Parsed =
  | { entity: 'person'; row: PersonRow }
  | { entity: 'organisation'; row: OrganisationRow }
  | { entity: 'group'; row: GroupRow }
  | { entity: 'duty'; row: DutyRow }
  | { entity: RegisterEvent['entity']; row: null };

interface RejectedRecord {
  event: RegisterEvent;
  tenant: string;
  entity: RegisterEvent['entity'];
  code: string;
  reason: string;
}

const SS12000_ENTITY = { person: 'Person', organisation: 'Organisation', group: 'Group', duty: 'Duty' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Accepted {
  event: RegisterEvent;
  key: EntityKey;
  parsed: Parsed;
}

export class NormalizeIdentityService {
  private readonly repository = new NormalizerRepository();

  constructor(
    private readonly database: NormalizerDatabase,
    private readonly clock: Clock,
    private readonly policies: ReadonlyMap<string, TenantPolicy>,
    private readonly metrics?: NormalizerMetrics,
  ) {}

  /** Applies one register event; throws NormalizerError UNKNOWN_TENANT for an event it cannot take. */
  async apply(event: RegisterEvent): Promise<BatchResult> {
    const result = await this.applyBatch([event]);
    if (result.refused.length > 0) throw new NormalizerError('UNKNOWN_TENANT', result.refused[0]!.reason);
    return result;
  }

  /** Applies register events in order; bad records are reported in `rejected`, the rest still apply. */
  async applyBatch(events: readonly RegisterEvent[]): Promise<BatchResult> {
    const result = await this.withRetry(() => this.database.transaction((tx) => this.applyInTransaction(tx, events)));
    for (const r of result.rejectedRecords) this.metrics?.recordsRejected.inc({ tenant: r.tenant, entity: r.entity, code: r.code });
    const { rejectedRecords: _r, ...rest } = result;
    return rest;
  }

  /**
   * Runs `work` in one transaction, retried on deadlocks and serialization failures; `rebuild` there
   * republishes the persons' identities (other use cases, e.g. an operator's review decision).
   */
  async inTransaction<T>(work: (tx: Tx, rebuild: (keys: EntityKey[], causeEventId: string, causeKind: string) => Promise<number>) => Promise<T>): Promise<T> {
    return this.withRetry(() =>
      this.database.transaction((tx) =>
        work(tx, (keys, causeEventId, causeKind) => this.rebuild(tx, keys, new Map(keys.map((k) => [keyOf(k), causeEventId])), causeKind, NO_TRACES)),
      ),
    );
  }

  /** Rebuilds identities that dates alone may have changed (role start/end, grace, retention). */
  async sweep(limit = 500, tenants?: string[]): Promise<{ evaluated: number; published: number }> {
    const today = todayOf(this.clock);
    let evaluated = 0;
    let published = 0;
    for (;;) {
      const result = await this.withRetry(() =>
        this.database.transaction(async (tx) => {
          const keys = await this.repository.dueForEvaluation(tx, today, limit, tenants);
          const count = keys.length ? await this.rebuild(tx, keys, new Map(), 'lifecycle-sweep', NO_TRACES) : 0;
          return { keys: keys.length, count };
        }),
      );
      evaluated += result.keys;
      if (result.keys < limit) {
        // Redeliveries come within minutes; a month of processed ids is ample.
        await this.database.transaction((tx) => tx.$executeRawUnsafe(`DELETE FROM normalizer_processed_event WHERE processed_at < now() - interval '30 days'`));
      }
      published += result.count;
      if (result.keys < limit) return { evaluated, published };
    }
  }

  private async applyInTransaction(tx: Tx, events: readonly RegisterEvent[]): Promise<BatchResult & { rejectedRecords: RejectedRecord[] }> {
    const rejected: BatchResult['rejected'] = [];
    const refused: BatchResult['refused'] = [];
    const invalid: RejectedRecord[] = [];
    const candidates: Accepted[] = [];
    for (const event of events) {
      if (!this.policies.has(event.tenant)) {
        // Not the record's fault: kept as a dead letter to replay once the tenant is configured.
        refused.push({ eventId: event.eventId, reason: `unknown tenant ${event.tenant}` });
        continue;
      }
      let id: string;
      try {
        id = entityIdOf(event);
      } catch (error) {
        // Without the record's id there is nothing to name in a rejection (the contract requires one).
        refused.push({ eventId: event.eventId, reason: (error as Error).message });
        continue;
      }
      try {
        candidates.push({ event, key: { t: event.tenant, r: event.registerId ?? '', id }, parsed: parse(event) });
      } catch (error) {
        if (!(error instanceof NormalizerError) || error.code !== 'INVALID_RECORD') throw error;
        rejected.push({ eventId: event.eventId, reason: error.message });
        invalid.push({ event, code: error.reason ?? 'INVALID_RECORD', reason: error.message, tenant: event.tenant, entity: event.entity });
      }
    }

    const entityKey = (a: Accepted) => `${a.event.entity}|${keyOf(a.key)}`;
    await this.repository.lockOrganisationsOf(tx, candidates.map((a) => ({ tenant: a.event.tenant, organisation: a.event.entity === 'organisation' })));
    await this.repository.lock(tx, candidates.map((a) => `e|${entityKey(a)}`));
    const fresh = await this.markProcessed(tx, [...candidates, ...invalid].map((a) => a.event.eventId));
    // A rejected record is announced once (a redelivery finds its id processed) and then acked.
    const rejectedRecords = invalid.filter((r) => fresh.has(r.event.eventId));
    await this.repository.insertOutbox(tx, rejectedRecords.map((r) => this.rejectionEvent(r)));
    const versions = new Map(
      (await this.repository.loadVersions(tx, candidates.map((a) => ({ t: a.key.t, r: a.key.r, entity: a.event.entity, id: a.key.id })))).map((v) => [
        `${v.entity}|${v.t}|${v.r}|${v.id}`,
        v,
      ]),
    );

    // Decide per event, in order: redelivered, duplicate or older records change nothing.
    const latest = new Map<string, Accepted>();
    let skipped = 0;
    for (const a of candidates) {
      const k = entityKey(a);
      const stored = versions.get(k);
      const modified = a.parsed.row?.modified ?? null;
      const hash = a.event.verb === 'upserted' ? (a.event.contentHash ?? hashRecord(a.event.record)) : null;
      const duplicate =
        !fresh.has(a.event.eventId) ||
        (a.event.verb === 'upserted' && stored && !stored.deleted && stored.contentHash === hash) ||
        (a.event.verb === 'deleted' && stored?.deleted) ||
        (a.event.verb === 'upserted' && stored?.modified && modified && modified < stored.modified);
      if (duplicate) {
        skipped++;
        continue;
      }
      versions.set(k, { t: a.key.t, r: a.key.r, entity: a.event.entity, id: a.key.id, contentHash: hash ?? stored?.contentHash ?? null, modified: modified ?? stored?.modified ?? null, deleted: a.event.verb === 'deleted', eventId: a.event.eventId });
      latest.set(k, a);
    }
    const applied = [...latest.values()];
    if (applied.length === 0) return { applied: 0, skipped, rejected, refused, published: 0, rejectedRecords };

    const of = <E extends RegisterEvent['entity']>(entity: E, verb: RegisterEvent['verb']) => applied.filter((a) => a.event.entity === entity && a.event.verb === verb);
    const keysOf = (list: Accepted[]) => list.map((a) => a.key);

    // Who is affected: the persons the records name now, and the ones they named before.
    const affected = new Map<string, { key: EntityKey; cause: string }>();
    const touch = (key: EntityKey, cause: string) => affected.set(keyOf(key), { key, cause });
    for (const a of applied) if (a.event.entity === 'person') touch(a.key, a.event.eventId);
    const groups = applied.filter((a) => a.event.entity === 'group');
    const duties = applied.filter((a) => a.event.entity === 'duty');
    const orgs = applied.filter((a) => a.event.entity === 'organisation');
    const cause = new Map(applied.map((a) => [keyOf(a.key), a.event.eventId]));
    const [groupMembers, dutyPersons, orgPersons] = await Promise.all([
      this.repository.personsInGroups(tx, keysOf(groups)),
      this.repository.personsOfDuties(tx, keysOf(duties)),
      this.repository.personsAtOrganisations(tx, keysOf(orgs)),
    ]);
    for (const p of groupMembers) touch(p, firstCause(groups, cause));
    for (const p of dutyPersons) touch(p, firstCause(duties, cause));
    for (const p of orgPersons) touch(p, firstCause(orgs, cause));
    for (const a of groups) if (a.parsed.row) for (const m of (a.parsed.row as GroupRow).memberships) touch({ t: a.key.t, r: a.key.r, id: m.personId }, a.event.eventId);
    for (const a of duties) if (a.parsed.row && (a.parsed.row as DutyRow).personId) touch({ t: a.key.t, r: a.key.r, id: (a.parsed.row as DutyRow).personId! }, a.event.eventId);

    await this.repository.upsertPersons(tx, of('person', 'upserted').map((a) => ({ t: a.key.t, r: a.key.r, person: a.parsed.row as PersonRow })));
    await this.repository.markDeleted(tx, 'normalizer_person', keysOf(of('person', 'deleted')));
    await this.repository.upsertOrganisations(tx, of('organisation', 'upserted').map((a) => ({ t: a.key.t, r: a.key.r, org: a.parsed.row as OrganisationRow })));
    await this.repository.markDeleted(tx, 'normalizer_organisation', keysOf(of('organisation', 'deleted')));
    await this.repository.upsertGroups(tx, of('group', 'upserted').map((a) => ({ t: a.key.t, r: a.key.r, group: a.parsed.row as GroupRow })));
    await this.repository.markDeleted(tx, 'normalizer_group', keysOf(of('group', 'deleted')));
    await this.repository.upsertDuties(tx, of('duty', 'upserted').map((a) => ({ t: a.key.t, r: a.key.r, duty: a.parsed.row as DutyRow })));
    const deletedDuties = of('duty', 'deleted');
    await this.repository.markDeleted(tx, 'normalizer_duty', keysOf(deletedDuties));
    if (deletedDuties.length) {
      await this.repository.replaceAssignments(tx, deletedDuties.map((a) => ({ t: a.key.t, r: a.key.r, duty: { id: a.key.id, personId: null, assignments: [], startDate: null, endDate: null } })));
    }
    await this.repository.saveVersions(tx, [...latest.keys()].map((k) => versions.get(k)!));

    const causes = new Map([...affected.values()].map((v) => [keyOf(v.key), v.cause]));
    const traces = new Map(events.flatMap((e) => (e.traceparent ? [[e.eventId, e.traceparent] as const] : [])));
    const published = await this.rebuild(tx, [...affected.values()].map((v) => v.key), causes, 'register-event', traces);
    return { applied: applied.length, skipped, rejected, refused, published, rejectedRecords };
  }

  private rejectionEvent(r: RejectedRecord) {
    const record = { system: 'ss12000' as const, entity: SS12000_ENTITY[r.event.entity], id: entityIdOf(r.event), ...(r.event.registerId ? { registerId: r.event.registerId } : {}) };
    const event = buildEvent(EVENTS.opsRecordRejected, {
      tenant: r.tenant,
      source: SOURCE,
      traceparent: r.event.traceparent,
      data: {
        tenant: r.tenant,
        sourceApp: SOURCE,
        record,
        ...(UUID.test(r.event.eventId) ? { eventId: r.event.eventId } : {}),
        code: r.code,
        reasons: [r.reason],
        rejectedAt: this.clock.now().toISOString(),
      },
    });
    return toOutboxRow(event, EVENTS.opsRecordRejected.subject(r.tenant));
  }

  /** Records event ids; answers the ones not seen before. */
  private async markProcessed(tx: Tx, eventIds: string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = await tx.$queryRawUnsafe<Array<{ event_id: string }>>(
      `INSERT INTO normalizer_processed_event (event_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
      eventIds,
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /**
   * Rebuilds the identities of these persons and publishes those that changed. Returns the number
   * of identity events written to the outbox.
   */
  private async rebuild(tx: Tx, keys: EntityKey[], causes: ReadonlyMap<string, string>, causeKind: string, traces: ReadonlyMap<string, string>): Promise<number> {
    if (keys.length === 0) return 0;
    // Events about a person continue the trace of the register event that caused the change (a
    // batch mixes traces); without one (sweep, review decision) they continue the current trace.
    const traceOf = (key: EntityKey): string | undefined => {
      const cause = causes.get(keyOf(key));
      return cause ? traces.get(cause) : undefined;
    };
    await this.repository.lock(tx, keys.map((k) => `p|${keyOf(k)}`));
    const facts = await this.repository.loadFacts(tx, keys);
    const today = todayOf(this.clock);
    const now = this.clock.now().toISOString();

    const byPerson = <T extends { t: string; r: string; personId: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) {
        const k = `${row.t}|${row.r}|${row.personId}`;
        const list = map.get(k);
        if (list) list.push(row);
        else map.set(k, [row]);
      }
      return map;
    };
    const enrolments = byPerson(facts.enrolments);
    const duties = byPerson(facts.duties);
    const memberships = byPerson(facts.memberships);
    const links = new Map(facts.links.map((l) => [`${l.t}|${l.r}|${l.personId}`, l]));
    const orgsByTenant = new Map<string, Map<string, StoredOrganisation>>();
    for (const o of facts.organisations) {
      const k = `${o.t}|${o.r}`;
      if (!orgsByTenant.has(k)) orgsByTenant.set(k, new Map());
      if (!o.deleted) orgsByTenant.get(k)!.set(o.id, o);
    }

    // Correlation by civic number (set before building: it decides which identity a person is).
    const numberOf = new Map(facts.persons.map((p) => [p, civicNumberOf(p.civicNo)]));
    const numbers = [...new Set([...numberOf.values()].filter((n): n is string => n !== null))];
    const holders = numbers.length ? await this.repository.identitiesByCivicNumber(tx, numbers) : [];
    const relinks = await this.returnersWithNewRecords(tx, facts.persons, (p) => numberOf.get(p) ?? null, links, holders);
    const returners = await this.returnedToLeftTenant(tx, facts.persons, (k) => relinks.byPerson.get(k) ?? links.get(k) ?? null, enrolments, duties, today);

    interface Work {
      key: EntityKey;
      row: LinkedIdentity | null;
      id: string;
      built: BuiltIdentity;
      predecessorId: string | null;
      /** A new register record of the person that continues an identity whose own record is gone. */
      relinked: boolean;
      /** Back in the tenant this identity left by moving: it stops following the move. */
      returned: boolean;
    }
    const work: Work[] = [];
    for (const person of facts.persons) {
      const key = { t: person.t, r: person.registerId, id: person.id };
      const k = keyOf(key);
      const policy = this.policies.get(person.t);
      if (!policy || relinks.superseded.has(k)) continue;
      const relinked = relinks.byPerson.get(k);
      const row = relinked ?? links.get(k) ?? null;
      const id = row?.id ?? randomUUID();
      const returned = returners.has(k);
      const built = buildIdentity(
        {
          identityId: id,
          tenant: person.t,
          person,
          enrolments: enrolments.get(k) ?? [],
          duties: duties.get(k) ?? [],
          memberships: (memberships.get(k) ?? []).map(
            (m): StoredMembership => ({
              groupId: m.groupId,
              role: m.role,
              startDate: m.startDate,
              endDate: m.endDate,
              securityMarking: m.securityMarking,
              group: { displayName: m.displayName, groupType: m.groupType, organisationId: m.organisationId, startDate: m.groupStart, endDate: m.groupEnd, deleted: m.groupDeleted },
            }),
          ),
          organisations: orgsByTenant.get(`${person.t}|${person.registerId}`) ?? new Map(),
          current: row ? toLifecycleStatus(row) : null,
          movedToOtherTenant: !!row?.movedToTenant && !returned,
          mergedIntoOther: !!row?.mergedIntoId,
          neutralNames: policy.neutralNames,
        },
        today,
        policy.lifecycle,
      );
      work.push({ key, row, id, built, predecessorId: row?.predecessorId ?? null, relinked: !!relinked, returned });
    }

    // A person arriving in a tenant (a new identity, a new record continuing an old one, or a return
    // to the tenant an identity was left by moving) whose number is active in another tenant moved
    // here: that identity leaves. The same number twice in one tenant goes to review.
    const inBatch = new Map(work.map((w) => [w.id, w]));
    // An identity rebuilt in this very batch (its register changed too, e.g. the enrolment the mover
    // left ended) can be the one left behind: it counts as it stands after the batch, and the move
    // below then takes it on through the lifecycle — as when the two events come in separate batches.
    const leavable: LinkedIdentity[] = [
      ...holders.filter((h) => !inBatch.has(h.id)),
      ...work.flatMap((o) =>
        o.row ? [{ ...o.row, civicNumber: o.built.civicNumber, state: o.built.lifecycle.status.state, movedToTenant: o.returned ? null : o.row.movedToTenant }] : [],
      ),
    ];
    const moves: Array<{ old: LinkedIdentity; newId: string; tenant: string }> = [];
    const outbox: Array<{ eventId: string; subject: string; payload: unknown; headers: Record<string, string> }> = [];
    for (const w of work) {
      const number = w.built.civicNumber;
      if (!number) continue;
      const others = holders.filter((h) => h.civicNumber === number && h.id !== w.id && !inBatch.has(h.id));
      const batchOthers = work.filter((o) => o !== w && o.built.civicNumber === number);
      if (!w.row || w.relinked || w.returned) {
        for (const old of leavable.filter((h) => h.civicNumber === number && h.id !== w.id)) {
          if (old.tenant !== w.key.t && old.state !== 'deactivated' && !old.movedToTenant && !old.mergedIntoId) {
            moves.push({ old, newId: w.id, tenant: w.key.t });
            // Only a new identity continues the one it came from (a returner's would make a cycle).
            if (!w.row) w.predecessorId ??= old.id;
          }
        }
      }
      const conflicting = [
        ...others.filter((o) => o.tenant === w.key.t && o.state !== 'deactivated').map((o) => o.id),
        ...(relinks.ambiguous.get(keyOf(w.key)) ?? []),
        ...batchOthers.filter((o) => o.key.t === w.key.t && o.built.lifecycle.status.state !== 'deactivated').map((o) => o.id),
      ];
      if (conflicting.length > 0 && w.built.lifecycle.status.state !== 'deactivated') {
        const ids = [...new Set([w.id, ...conflicting])].sort();
        const reviewId = randomUUID();
        const opened = await this.repository.openReview(tx, {
          reviewId,
          tenant: w.key.t,
          kind: 'civic-number-conflict',
          key: ids.join(','),
          identityIds: ids,
          details: { reviewId },
          causeEventId: causes.get(keyOf(w.key)) ?? null,
        });
        if (opened) {
          const event = buildEvent(EVENTS.opsReviewRequested, {
            tenant: w.key.t,
            source: SOURCE,
            traceparent: traceOf(w.key),
            data: {
              reviewId,
              tenant: w.key.t,
              sourceApp: SOURCE,
              kind: 'civic-number-conflict',
              record: { system: 'ss12000', entity: 'Person', id: w.key.id, ...(w.key.r ? { registerId: w.key.r } : {}) },
              candidates: ids.map((identityId) => ({ identityId, matchedOn: ['same civic number'] })),
              reason: 'The same civic number is held by more than one active person in this tenant; not merged automatically.',
              requestedAt: now,
            },
          });
          outbox.push(toOutboxRow(event, EVENTS.opsReviewRequested.subject(w.key.t)));
        }
      }
    }

    // Compare with what was last published; write only what changed. Each lifecycle transition is
    // its own version and event, with its own cause.
    const identityWrites: IdentityWrite[] = [];
    const history: Parameters<NormalizerRepository['insertHistory']>[1] = [];
    const newLinks: Array<{ t: string; r: string; personId: string; identityId: string }> = [];
    let publishedCount = 0;
    for (const w of work) {
      const { built, row } = w;
      const status = built.lifecycle.status;
      const before = row?.published ?? null;
      const steps = lifecycleSteps(built).filter((step, i, all) => {
        const previous = i === 0 ? before : all[i - 1]!.body;
        return !previous || stableJson(previous) !== stableJson(step.body);
      });
      // The civic number travels only on the restricted SENSITIVE stream, versioned like the identity.
      const civicChanged = (row?.civicNumber ?? null) !== built.civicNumber;
      const version = (row?.version ?? 0) + (steps.length > 0 ? steps.length : civicChanged ? 1 : 0);
      const stateChanged = !row || row.state !== status.state;
      const write: IdentityWrite = {
        id: w.id,
        tenant: w.key.t,
        version,
        state: status.state,
        stateCause: status.cause,
        stateSince: status.since,
        suspendOn: status.suspendOn ?? null,
        deactivateOn: status.deactivateOn ?? null,
        civicNumber: built.civicNumber,
        civicNumberProblem: built.civicNumberProblem,
        birthDate: built.birthDate,
        protected: built.protected,
        predecessorId: w.predecessorId,
        movedToTenant: w.returned ? null : (row?.movedToTenant ?? null),
        successorId: w.returned ? null : (row?.successorId ?? null),
        mergedIntoId: row?.mergedIntoId ?? null,
        emailProblem: built.emailProblem,
        nextEvaluationOn: built.nextEvaluationOn,
        published: built.body,
        createdAt: row ? new Date(row.createdAt).toISOString() : now,
        updatedAt: now,
        statusChangedAt: stateChanged ? now : new Date(row!.statusChangedAt).toISOString(),
      };
      if (!row || w.relinked) newLinks.push({ t: w.key.t, r: w.key.r, personId: w.key.id, identityId: w.id });
      if (steps.length === 0 && !civicChanged && row && sameStoredState(row, write)) continue;
      identityWrites.push(write);
      if (civicChanged) {
        const kind = built.civicNumber ? (Number(built.civicNumber.slice(6, 8)) > 60 ? 'samordningsnummer' : 'personnummer') : 'none';
        const event = buildEvent(EVENTS.sensitiveCivicNumberChanged, {
          tenant: w.key.t,
          source: SOURCE,
          traceparent: traceOf(w.key),
          data: { identityId: w.id, tenant: w.key.t, version, ...(built.civicNumber ? { civicNo: built.civicNumber } : {}), kind, changedAt: now },
        });
        outbox.push(toOutboxRow(event, EVENTS.sensitiveCivicNumberChanged.subject(w.key.t)));
      }

      let previous = before;
      let previousState = row ? (row.state as LifecycleState) : null;
      let stepVersion = row?.version ?? 0;
      for (const step of steps) {
        stepVersion++;
        const body = step.body;
        const kind = previousState ? lifecycleEventKind(previousState, body.status) : body.status === 'deactivated' ? 'deactivated' : 'changed';
        const data = {
          ...body,
          version: stepVersion,
          createdAt: write.createdAt,
          updatedAt: write.updatedAt,
          statusChangedAt: body.status !== previousState ? now : write.statusChangedAt,
        };
        const lastCause = step.transitions.at(-1)?.cause ?? status.cause;
        const traceparent = traceOf(w.key);
        const event =
          kind === 'deactivated'
            ? buildEvent(EVENTS.identityPersonDeactivated, { tenant: w.key.t, source: SOURCE, traceparent, data: { ...data, reason: DEACTIVATION_REASON[lastCause] ?? 'grace-expired' } as unknown as PersonDeactivatedV1 })
            : kind === 'reactivated'
              ? buildEvent(EVENTS.identityPersonReactivated, { tenant: w.key.t, source: SOURCE, traceparent, data: { ...data, reason: 're-enrolled' } as unknown as PersonReactivatedV1 })
              : buildEvent(EVENTS.identityPersonChanged, { tenant: w.key.t, source: SOURCE, traceparent, data: { ...data, changedFields: changedFields(previous, body) } as unknown as PersonChangedV1 });
        outbox.push(toOutboxRow(event, `identity.${w.key.t}.person.${kind}`));
        history.push({
          identityId: w.id,
          version: stepVersion,
          kind,
          // The previous values of the fields that changed (the full previous body is the prior row's `after`).
          before: previous ? pickFields(previous, changedFields(previous, body)) : null,
          after: body,
          transitions: step.transitions as LifecycleTransition[],
          causeEventId: causes.get(keyOf(w.key)) ?? null,
          cause: step.transitions.length ? `${causeKind}:${lastCause}` : causeKind,
        });
        previous = body;
        previousState = body.status;
        publishedCount++;
      }
    }

    await this.repository.saveIdentities(tx, identityWrites);
    await this.repository.unlinkIdentities(tx, work.filter((w) => w.relinked).map((w) => w.id));
    await this.repository.insertLinks(tx, newLinks);
    await this.repository.insertHistory(tx, history);
    // Before the moves' events: an identity rebuilt in this batch and then moved publishes its versions in order.
    await this.repository.insertOutbox(tx, outbox);

    // The identities the moved persons leave behind start leaving through the normal lifecycle.
    if (moves.length > 0) {
      await tx.$executeRawUnsafe(
        `UPDATE normalizer_identity i SET moved_to_tenant = x.tenant, successor_id = x."newId"
           FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant text, "newId" uuid) WHERE i.id = x.id`,
        JSON.stringify(moves.map((m) => ({ id: m.old.id, tenant: m.tenant, newId: m.newId }))),
      );
      const moveCauses = new Map(moves.map((m) => [keyOf({ t: m.old.t, r: m.old.r, id: m.old.personId }), causes.get(keyOf(work.find((w) => w.id === m.newId)!.key)) ?? 'moved']));
      publishedCount += await this.rebuild(tx, moves.map((m) => ({ t: m.old.t, r: m.old.r, id: m.old.personId })), moveCauses, causeKind, traces);
    }
    return publishedCount;
  }

  /**
   * A register record without an identity whose civic number is held, in its tenant, by exactly one
   * identity whose own record has been deleted in the register (a returner re-registered, or the
   * register re-keyed) continues that identity: same identity id, so the same account and ePPN.
   * Several such identities are ambiguous and go to review; an old record still in the register is
   * a second person with the number (review, by the conflict rule), never linked automatically.
   */
  private async returnersWithNewRecords(
    tx: Tx,
    persons: ReadonlyArray<StoredPerson & { t: string }>,
    numberOf: (person: StoredPerson & { t: string }) => string | null,
    links: ReadonlyMap<string, LinkedIdentity>,
    holders: readonly LinkedIdentity[],
  ): Promise<{ byPerson: Map<string, LinkedIdentity>; superseded: Set<string>; ambiguous: Map<string, string[]> }> {
    const byPerson = new Map<string, LinkedIdentity>();
    const superseded = new Set<string>();
    const ambiguous = new Map<string, string[]>();
    if (holders.length === 0) return { byPerson, superseded, ambiguous };
    const held = new Map<string, Map<string, LinkedIdentity>>();
    for (const h of holders) {
      if (h.mergedIntoId) continue;
      const k = `${h.tenant}|${h.civicNumber}`;
      if (!held.has(k)) held.set(k, new Map());
      held.get(k)!.set(h.id, h);
    }
    const unlinked = persons.filter((p) => !p.deleted && held.has(`${p.t}|${numberOf(p)}`) && !links.has(keyOf({ t: p.t, r: p.registerId, id: p.id })));
    if (unlinked.length === 0) return { byPerson, superseded, ambiguous };
    const sameNumber = new Map<string, number>();
    for (const p of unlinked) sameNumber.set(`${p.t}|${numberOf(p)}`, (sameNumber.get(`${p.t}|${numberOf(p)}`) ?? 0) + 1);
    const candidates = new Map<string, LinkedIdentity[]>();
    for (const p of unlinked) {
      const k = `${p.t}|${numberOf(p)}`;
      // Two new records with one number in one tenant: the conflict rule sends them to review.
      if (sameNumber.get(k)! > 1) continue;
      candidates.set(keyOf({ t: p.t, r: p.registerId, id: p.id }), [...held.get(k)!.values()]);
    }
    if (candidates.size === 0) return { byPerson, superseded, ambiguous };
    const inBatch = new Map(persons.map((p) => [keyOf({ t: p.t, r: p.registerId, id: p.id }), p.deleted]));
    const recordOf = (h: LinkedIdentity) => ({ t: h.t, r: h.r, id: h.personId });
    const elsewhere = [...candidates.values()].flat().map(recordOf).filter((k) => !inBatch.has(keyOf(k)));
    const deletedElsewhere = await this.repository.deletedPersons(tx, elsewhere);
    const isDeleted = (h: LinkedIdentity) => inBatch.get(keyOf(recordOf(h))) ?? deletedElsewhere.has(keyOf(recordOf(h)));
    for (const [k, found] of candidates) {
      const gone = found.filter(isDeleted);
      if (found.length === 1 && gone.length === 1) {
        const [t, r, personId] = k.split('|') as [string, string, string];
        byPerson.set(k, { ...gone[0]!, t, r, personId });
        superseded.add(keyOf(recordOf(gone[0]!)));
      } else if (gone.length > 1) {
        ambiguous.set(k, gone.map((h) => h.id));
      }
    }
    return { byPerson, superseded, ambiguous };
  }

  /**
   * Persons back in the tenant their identity left by moving: an active role here that started after
   * the identity left (its current state began on the move or later), in a record the register
   * changed after that day (meta.modified; when the register gives none, the start date decides).
   * What the old register still lists from before the move — a stale enrolment, or one for next
   * term registered before the person moved — does not bring them back, so stale records cannot
   * make a person flip between tenants.
   */
  private async returnedToLeftTenant(
    tx: Tx,
    persons: ReadonlyArray<StoredPerson & { t: string }>,
    rowOf: (personKey: string) => LinkedIdentity | null,
    enrolments: ReadonlyMap<string, ReadonlyArray<{ startDate: string | null; endDate: string | null; cancelled: boolean }>>,
    duties: ReadonlyMap<string, ReadonlyArray<{ id: string; startDate: string | null; endDate: string | null; deleted: boolean }>>,
    today: string,
  ): Promise<Set<string>> {
    const evidence: Array<{ k: string; t: string; r: string; since: string; person: string | null; duties: string[] }> = [];
    for (const p of persons) {
      const k = keyOf({ t: p.t, r: p.registerId, id: p.id });
      const row = rowOf(k);
      if (!row?.movedToTenant || row.mergedIntoId || row.state === 'active' || row.state === 'pending' || p.deleted) continue;
      const since = row.stateSince;
      const startedSince = (x: { startDate: string | null; endDate: string | null }) => !!x.startDate && x.startDate > since && isActiveOn(x, today);
      const enrolled = (enrolments.get(k) ?? []).some((e) => !e.cancelled && startedSince(e));
      const dutyIds = (duties.get(k) ?? []).filter((d) => !d.deleted && startedSince(d)).map((d) => d.id);
      if (enrolled || dutyIds.length) evidence.push({ k, t: p.t, r: p.registerId, since, person: enrolled ? p.id : null, duties: dutyIds });
    }
    if (evidence.length === 0) return new Set();
    const versions = await this.repository.loadVersions(tx, evidence.flatMap((e) => [...(e.person ? [{ t: e.t, r: e.r, entity: 'person', id: e.person }] : []), ...e.duties.map((id) => ({ t: e.t, r: e.r, entity: 'duty', id }))]));
    const modified = new Map(versions.map((v) => [`${v.entity}|${v.t}|${v.r}|${v.id}`, v.modified]));
    const changedSince = (entity: string, e: (typeof evidence)[number], id: string) => {
      const at = modified.get(`${entity}|${e.t}|${e.r}|${id}`);
      return !at || at.slice(0, 10) > e.since;
    };
    return new Set(evidence.filter((e) => (e.person && changedSince('person', e, e.person)) || e.duties.some((id) => changedSince('duty', e, id))).map((e) => e.k));
  }

  private async withRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= attempts || !isConflict(error)) throw isConflict(error) ? new NormalizerError('CONFLICT', 'concurrent update', { cause: error }) : error;
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
      }
    }
  }
}

function civicNumberOf(raw: string | null): string | null {
  const civic = parseCivicNumber(raw);
  return civic.valid ? civic.value : null;
}

function sameStoredState(row: LinkedIdentity, write: IdentityWrite): boolean {
  const r = row as unknown as Record<string, unknown>;
  return (
    row.state === write.state &&
    row.stateCause === write.stateCause &&
    row.stateSince === write.stateSince &&
    (row.suspendOn ?? null) === write.suspendOn &&
    (row.deactivateOn ?? null) === write.deactivateOn &&
    (row.civicNumber ?? null) === write.civicNumber &&
    (r.civicNumberProblem ?? null) === write.civicNumberProblem &&
    (row.emailProblem ?? null) === write.emailProblem &&
    (r.birthDate ?? null) === write.birthDate &&
    r.protected === write.protected &&
    (row.predecessorId ?? null) === write.predecessorId &&
    (row.movedToTenant ?? null) === write.movedToTenant &&
    (row.successorId ?? null) === write.successorId &&
    (r.nextEvaluationOn ?? null) === write.nextEvaluationOn
  );
}

function pickFields(body: IdentityBody, fields: string[]): Record<string, unknown> {
  const source = body as unknown as Record<string, unknown>;
  return Object.fromEntries(fields.map((field) => [field, source[field] ?? null]));
}

function toOutboxRow(event: CloudEvent, subject: string) {
  return { eventId: event.id, subject, payload: event, headers: { 'Nats-Msg-Id': event.id } };
}

function isConflict(error: unknown): boolean {
  const text = String((error as { message?: string })?.message ?? '') + String((error as { code?: string })?.code ?? '');
  return /40P01|40001|deadlock|could not serialize|P2034/.test(text);
}

function entityIdOf(event: RegisterEvent): string {
  const id = event.verb === 'deleted' ? event.id : (event.record?.id as string | undefined);
  if (typeof id !== 'string' || !UUID.test(id)) throw new NormalizerError('INVALID_RECORD', `${event.entity} event has no uuid id`);
  return id.toLowerCase();
}

function parse(event: RegisterEvent): Parsed {
  if (event.verb === 'deleted') return { entity: event.entity, row: null };
  const record = event.record ?? {};
  switch (event.entity) {
    case 'person':
      return { entity: 'person', row: parsePerson(record) };
    case 'organisation':
      return { entity: 'organisation', row: parseOrganisation(record) };
    case 'group':
      return { entity: 'group', row: parseGroup(record) };
    case 'duty':
      return { entity: 'duty', row: parseDuty(record) };
  }
}

function hashRecord(record: unknown): string {
  return createHash('sha256').update(stableJson(record)).digest('hex');
}

function firstCause(list: Accepted[], causes: ReadonlyMap<string, string>): string {
  return causes.get(keyOf(list[0]!.key)) ?? list[0]!.event.eventId;
}
