import { Logger } from '@nestjs/common';
import { type AttributeViolation, computeAttributeSet, type FederationAttributeValues, type FederationRole } from '@skolkonto/domain';
import { Prisma, type PrismaClient } from '@skolkonto/persistence';
import type { OutboxEntry } from '@skolkonto/persistence';
import { attributesFailed, attributesPublished, attributesRevoked, enqueue } from '../federation-events';
import type { AssignedIdentifiers, IdentifierRegistryRepository } from '../identifier-registry/identifier-registry.repository';
import type { ReleaseSettings } from '../release-settings/release-settings';
import { settleEach, type Settled } from '@skolkonto/messaging';
import type { IdentitySnapshot } from './identity-snapshot';

/**
 * Waiting for a pooled connection and running the statements of a batch of attribute sets: a busy
 * database slows a handler down rather than failing it (Prisma's defaults are 2 s and 5 s).
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };

export type PublishOutcome = 'published' | 'unchanged' | 'rejected' | 'revoked' | 'pending' | 'stale';

export class UnknownTenantError extends Error {
  constructor(tenant: string) {
    super(`tenant ${tenant} has no federation settings in the release policies file`);
    this.name = 'UnknownTenantError';
  }
}

interface PersonRow {
  identity_version: number;
  attributes: FederationAttributeValues | null;
  violations: AttributeViolation[];
  revoked_at: Date | null;
}

/**
 * identity.* → federation.*: keeps each person's Skolfederation attribute set in step with the
 * metadirectory. Assigns lifelong identifiers on first sight, validates every value, and writes the
 * resulting published / revoked / failed events to the outbox in the same transaction as the state.
 */
export class PublishAttributesService {
  private readonly logger = new Logger(PublishAttributesService.name);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: IdentifierRegistryRepository,
    private readonly settings: ReleaseSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async applyIdentity(identity: IdentitySnapshot): Promise<PublishOutcome> {
    if (!this.settings.tenants.has(identity.tenant)) throw new UnknownTenantError(identity.tenant);
    return this.prisma.$transaction(async (tx) => {
      const events: OutboxEntry[] = [];
      const updates: PersonUpdate[] = [];
      const outcome = await this.applyIn(tx, identity, events, updates);
      await updatePeople(tx, updates);
      await enqueue(tx, events);
      return outcome;
    }, TRANSACTION_OPTIONS);
  }

  /**
   * Many identities in one transaction (a first load brings thousands at once), each with its own
   * outcome. Should the transaction fail, each identity is applied again on its own, so one that
   * cannot be applied does not hold back the others.
   */
  async applyIdentities(identities: IdentitySnapshot[]): Promise<Array<Settled<PublishOutcome>>> {
    const results = new Array<Settled<PublishOutcome>>(identities.length);
    const known: number[] = [];
    identities.forEach((identity, i) => {
      if (this.settings.tenants.has(identity.tenant)) known.push(i);
      else results[i] = { error: new UnknownTenantError(identity.tenant) };
    });
    // Rows are locked in identity order, so two publishers' batches never wait on each other in a
    // cycle; one identity's versions keep their arrival order.
    const order = [...known].sort((a, b) => compareIds(identities[a]!.identityId, identities[b]!.identityId) || a - b);
    try {
      // An identity twice in the batch (two versions): the later one in a later wave, so each wave
      // locks its rows and draws its identifiers in one statement each.
      const waves: number[][] = [];
      const seen = new Map<string, number>();
      for (const i of order) {
        const wave = seen.get(identities[i]!.identityId) ?? 0;
        seen.set(identities[i]!.identityId, wave + 1);
        (waves[wave] ??= []).push(i);
      }
      await this.prisma.$transaction(async (tx) => {
        const events: OutboxEntry[] = [];
        for (const wave of waves) {
          const rows = await this.lockPeople(tx, wave.map((i) => identities[i]!));
          const drawing = wave
            .map((i) => identities[i]!)
            .filter((identity) => !isWithdrawn(identity) && identity.version > rows.get(identity.identityId)!.identity_version);
          const ids = await this.registry.assignMany(
            tx,
            drawing.map((identity) => ({ identityId: identity.identityId, tenant: identity.tenant, scope: this.settings.tenants.get(identity.tenant)!.scope })),
          );
          const updates: PersonUpdate[] = [];
          for (const i of wave) {
            const identity = identities[i]!;
            results[i] = { value: await this.applyIn(tx, identity, events, updates, { row: rows.get(identity.identityId)!, ids: ids.get(identity.identityId) }) };
          }
          await updatePeople(tx, updates);
        }
        await enqueue(tx, events);
      }, TRANSACTION_OPTIONS);
    } catch {
      const settled = await settleEach(known, (i) => this.applyIdentity(identities[i]!));
      known.forEach((i, k) => (results[i] = settled[k]!));
    }
    return results;
  }

  /**
   * Applies one identity; the events it implies are added to `outbox` and its row's new values to
   * `updates`, for the caller to write in the same transaction (once per wave: an identity is in a
   * wave once).
   */
  private async applyIn(
    tx: Prisma.TransactionClient,
    identity: IdentitySnapshot,
    outbox: OutboxEntry[],
    updates: PersonUpdate[],
    prepared?: { row: PersonRow; ids?: AssignedIdentifiers },
  ): Promise<PublishOutcome> {
    const tenant = this.settings.tenants.get(identity.tenant);
    if (!tenant) throw new UnknownTenantError(identity.tenant);
    const row = prepared?.row ?? (await this.lockPerson(tx, identity.identityId, identity.tenant));
    // Per-identity ordering: a version we have already applied (or passed) changes nothing.
    if (identity.version <= row.identity_version) return 'stale' as const;
    const time = this.now();
    const base: PersonUpdate = { identityId: identity.identityId, identityVersion: identity.version, status: identity.status, protectedIdentity: identity.names.protected, source: identity };

    if (isWithdrawn(identity)) {
      const ids = await this.registry.find(tx, identity.identityId);
      const wasReleased = row.attributes !== null;
      updates.push({ ...base, attributes: null, violations: [], revokedAt: wasReleased ? time : row.revoked_at });
      if (wasReleased && ids) {
        outbox.push(
          attributesRevoked(
            {
              tenant: identity.tenant,
              identityId: identity.identityId,
              identityVersion: identity.version,
              eduPersonPrincipalName: ids.eduPersonPrincipalName,
              reason: identity.status === 'suspended' ? 'suspended' : 'deactivated',
            },
            time,
          ),
        );
        return 'revoked' as const;
      }
      return 'unchanged' as const;
    }

    const ids = prepared?.ids ?? (await this.registry.assign(tx, identity.identityId, identity.tenant, tenant.scope));
    if (identity.status === 'pending') {
      updates.push(base);
      return 'pending' as const;
    }

    const computed = computeAttributeSet({
      scope: tenant.scope,
      homeOrganization: tenant.homeOrganization,
      identifiers: { eduPersonPrincipalName: ids.eduPersonPrincipalName, eduPersonUniqueId: ids.eduPersonUniqueId, subjectId: ids.subjectId },
      roles: toRoles(identity),
      schoolUnitCodes: [...new Set(identity.schoolUnits.map((unit) => unit.schoolUnitCode))],
      givenName: identity.names.givenName,
      familyName: identity.names.familyName,
      displayName: identity.names.displayName,
      mail: identity.email,
      groups: [...new Set(identity.groups.map((group) => group.displayName))],
      groupAttribute: tenant.groupAttribute,
    });
    const changed = row.attributes === null || canonical(row.attributes) !== canonical(computed.attributes);
    updates.push({
      ...base,
      attributes: computed.attributes,
      violations: computed.violations,
      ...(changed ? { publishedAt: time, revokedAt: null } : {}),
    });
    // A failure is reported when it appears or changes, not again with every later version.
    if (computed.violations.length > 0 && canonicalList(computed.violations) !== canonicalList(row.violations ?? [])) {
      outbox.push(
        attributesFailed(
          {
            tenant: identity.tenant,
            identityId: identity.identityId,
            identityVersion: identity.version,
            violations: computed.violations,
            protectedIdentity: identity.names.protected,
          },
          time,
        ),
      );
    }
    // Without a valid ePPN there is nothing an IdP could key on: only the failure goes out.
    if (changed && computed.attributes.eduPersonPrincipalName) {
      outbox.push(
        attributesPublished(
          {
            tenant: identity.tenant,
            identityId: identity.identityId,
            identityVersion: identity.version,
            protectedIdentity: identity.names.protected,
            attributes: computed.attributes,
          },
          time,
        ),
      );
    }
    if (computed.violations.length > 0) {
      this.logger.warn(
        { identityId: identity.identityId, tenant: identity.tenant, attributes: computed.violations.map((v) => v.attribute) },
        'attribute values failed their rules and were not published',
      );
    }
    if (!computed.attributes.eduPersonPrincipalName) return 'rejected' as const;
    return changed ? ('published' as const) : ('unchanged' as const);
  }

  /** lockPerson for several identities (each once) in one statement, in identity order. */
  private async lockPeople(tx: Prisma.TransactionClient, identities: IdentitySnapshot[]): Promise<Map<string, PersonRow>> {
    const rows = await tx.$queryRawUnsafe<Array<PersonRow & { identity_id: string }>>(
      `INSERT INTO federation_person (identity_id, tenant)
         SELECT i, t FROM unnest($1::uuid[], $2::text[]) AS r(i, t) ORDER BY i
       ON CONFLICT (identity_id) DO UPDATE SET tenant = federation_person.tenant
       RETURNING identity_id::text, identity_version, attributes, violations, revoked_at`,
      identities.map((identity) => identity.identityId),
      identities.map((identity) => identity.tenant),
    );
    return new Map(rows.map((row) => [row.identity_id, row]));
  }

  /** Creates the person's row on first sight and locks it for this transaction, in one statement. */
  private async lockPerson(tx: Prisma.TransactionClient, identityId: string, tenant: string): Promise<PersonRow> {
    // ON CONFLICT DO UPDATE locks the existing row like SELECT … FOR UPDATE and returns it.
    const rows = await tx.$queryRaw<PersonRow[]>`
      INSERT INTO federation_person (identity_id, tenant) VALUES (${identityId}::uuid, ${tenant})
      ON CONFLICT (identity_id) DO UPDATE SET tenant = federation_person.tenant
      RETURNING identity_version, attributes, violations, revoked_at`;
    return rows[0]!;
  }
}

/** Roles for affiliation derivation: an active enrolment makes a pupil, each duty a staff role. */
export function toRoles(identity: IdentitySnapshot): FederationRole[] {
  const roles: FederationRole[] = [];
  const pupil = identity.enrolments.length > 0 || identity.schoolUnits.some((unit) => unit.roles.includes('student'));
  if (pupil) roles.push({ kind: 'student' });
  for (const duty of identity.duties) roles.push({ kind: 'staff', dutyRole: duty.dutyRole });
  return roles;
}

interface PersonUpdate {
  identityId: string;
  identityVersion: number;
  status: string;
  protectedIdentity: boolean;
  source: IdentitySnapshot;
  /** Left out: unchanged. null: no set (SQL NULL). */
  attributes?: FederationAttributeValues | null;
  violations?: AttributeViolation[];
  publishedAt?: Date;
  revokedAt?: Date | null;
}

/**
 * The people's rows in one statement, without the ORM (a first load writes a row per person). A
 * column an update leaves out keeps its value; each identity at most once.
 */
async function updatePeople(tx: Prisma.TransactionClient, updates: PersonUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const given = (pick: (update: PersonUpdate) => unknown) => updates.map((update) => pick(update) !== undefined);
  const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));
  const timestamp = (value: Date | null | undefined) => (value ? value.toISOString() : null);
  await tx.$executeRawUnsafe(
    `UPDATE federation_person p
        SET identity_version = u.identity_version, status = u.status, protected_identity = u.protected_identity,
            source = u.source, updated_at = now(),
            attributes = CASE WHEN u.set_attributes THEN u.attributes ELSE p.attributes END,
            violations = CASE WHEN u.set_violations THEN u.violations ELSE p.violations END,
            published_at = CASE WHEN u.set_published_at THEN u.published_at ELSE p.published_at END,
            revoked_at = CASE WHEN u.set_revoked_at THEN u.revoked_at ELSE p.revoked_at END
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::boolean[], $5::jsonb[], $6::boolean[], $7::jsonb[], $8::boolean[],
                   $9::jsonb[], $10::boolean[], $11::timestamptz[], $12::boolean[], $13::timestamptz[])
         AS u(identity_id, identity_version, status, protected_identity, source, set_attributes, attributes, set_violations,
              violations, set_published_at, published_at, set_revoked_at, revoked_at)
      WHERE p.identity_id = u.identity_id`,
    updates.map((u) => u.identityId),
    updates.map((u) => u.identityVersion),
    updates.map((u) => u.status),
    updates.map((u) => u.protectedIdentity),
    updates.map((u) => JSON.stringify(u.source)),
    given((u) => u.attributes),
    updates.map((u) => json(u.attributes)),
    given((u) => u.violations),
    updates.map((u) => json(u.violations)),
    given((u) => u.publishedAt),
    updates.map((u) => timestamp(u.publishedAt)),
    given((u) => u.revokedAt),
    updates.map((u) => timestamp(u.revokedAt)),
  );
}

/** A deactivated or suspended identity: its set is revoked, and it draws no identifiers. */
function isWithdrawn(identity: IdentitySnapshot): boolean {
  return identity.status === 'deactivated' || identity.status === 'suspended';
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Violations compared by what they say (JSONB reorders object keys). */
function canonicalList(violations: AttributeViolation[]): string {
  return JSON.stringify(violations.map((v) => [v.attribute, v.reason, v.value ?? null]));
}

/** JSONB does not keep key order: compare attribute sets by sorted keys. */
function canonical(values: FederationAttributeValues): string {
  return JSON.stringify(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
