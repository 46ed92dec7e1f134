import { generateEppnLocalPart, generateUniqueIdLocalPart } from '@skolkonto/domain';
import type { Prisma, PrismaClient } from '@skolkonto/persistence';

/** A person's lifelong federation identifiers, as stored (lower-case). */
export interface AssignedIdentifiers {
  identityId: string;
  tenant: string;
  eduPersonPrincipalName: string;
  eduPersonUniqueId: string;
  subjectId: string;
}

export interface IdentifierGenerators {
  eppnLocalPart: () => string;
  uniqueIdLocalPart: () => string;
}

export const RANDOM_IDENTIFIERS: IdentifierGenerators = {
  eppnLocalPart: () => generateEppnLocalPart(),
  uniqueIdLocalPart: () => generateUniqueIdLocalPart(),
};

export class IdentifierCollisionError extends Error {
  constructor(attempts: number) {
    super(`no collision-free identifiers after ${attempts} attempts; the generator is broken`);
    this.name = 'IdentifierCollisionError';
  }
}

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * The identifier registry (ePPN, eduPersonUniqueId, subject-id). `assign` returns the identity's
 * identifiers, drawing fresh random ones the first time only. The table is append-only (a trigger
 * refuses UPDATE and DELETE) and every value has a unique index, so a value given out once can never
 * reach anyone else, and a returning person gets the row they already have.
 */
export class IdentifierRegistryRepository {
  constructor(
    private readonly generators: IdentifierGenerators = RANDOM_IDENTIFIERS,
    private readonly maxAttempts = 20,
  ) {}

  async find(db: Db, identityId: string): Promise<AssignedIdentifiers | undefined> {
    const row = await db.federationIdentifier.findUnique({
      where: { identityId },
      select: { identityId: true, tenant: true, eduPersonPrincipalName: true, eduPersonUniqueId: true, subjectId: true },
    });
    return row ?? undefined;
  }

  /**
   * `assign` for many identities in one statement (each at most once). An identity whose fresh
   * values collided is left out: the caller assigns it on its own, which draws again.
   */
  async assignMany(db: Db, requests: Array<{ identityId: string; tenant: string; scope: string }>): Promise<Map<string, AssignedIdentifiers>> {
    if (requests.length === 0) return new Map();
    const draw = (request: { scope: string }, local: () => string) => `${local()}@${request.scope.toLowerCase()}`.toLowerCase();
    const rows = await db.$queryRawUnsafe<AssignedIdentifiers[]>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS i(identity_id, tenant, eppn, unique_id, subject_id)
       ), existing AS (
         SELECT f.identity_id, f.tenant, f.edu_person_principal_name, f.edu_person_unique_id, f.subject_id
         FROM federation_identifier f JOIN input USING (identity_id)
       ), inserted AS (
         INSERT INTO federation_identifier (identity_id, tenant, edu_person_principal_name, edu_person_unique_id, subject_id)
         SELECT identity_id, tenant, eppn, unique_id, subject_id FROM input
         WHERE identity_id NOT IN (SELECT identity_id FROM existing) ORDER BY identity_id
         ON CONFLICT DO NOTHING
         RETURNING identity_id, tenant, edu_person_principal_name, edu_person_unique_id, subject_id
       )
       SELECT identity_id::text AS "identityId", tenant, edu_person_principal_name AS "eduPersonPrincipalName",
              edu_person_unique_id AS "eduPersonUniqueId", subject_id AS "subjectId"
       FROM (SELECT * FROM existing UNION ALL SELECT * FROM inserted) AS found`,
      requests.map((r) => r.identityId),
      requests.map((r) => r.tenant),
      requests.map((r) => draw(r, this.generators.eppnLocalPart)),
      requests.map((r) => draw(r, this.generators.uniqueIdLocalPart)),
      requests.map((r) => draw(r, this.generators.uniqueIdLocalPart)),
    );
    return new Map(rows.map((row) => [row.identityId, row]));
  }

  async assign(db: Db, identityId: string, tenant: string, scope: string): Promise<AssignedIdentifiers> {
    const at = scope.toLowerCase();
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const eppn = `${this.generators.eppnLocalPart()}@${at}`.toLowerCase();
      const uniqueId = `${this.generators.uniqueIdLocalPart()}@${at}`.toLowerCase();
      const subjectId = `${this.generators.uniqueIdLocalPart()}@${at}`.toLowerCase();
      // One round trip: the identity's existing row, or the freshly inserted one. ON CONFLICT DO
      // NOTHING covers every unique index, so an existing identity (primary key) or a colliding value
      // inserts nothing instead of aborting the transaction; only a collision returns no row.
      const rows = await db.$queryRaw<AssignedIdentifiers[]>`
        WITH existing AS (
          SELECT identity_id, tenant, edu_person_principal_name, edu_person_unique_id, subject_id
          FROM federation_identifier WHERE identity_id = ${identityId}::uuid
        ), inserted AS (
          INSERT INTO federation_identifier (identity_id, tenant, edu_person_principal_name, edu_person_unique_id, subject_id)
          SELECT ${identityId}::uuid, ${tenant}, ${eppn}, ${uniqueId}, ${subjectId} WHERE NOT EXISTS (SELECT 1 FROM existing)
          ON CONFLICT DO NOTHING
          RETURNING identity_id, tenant, edu_person_principal_name, edu_person_unique_id, subject_id
        )
        SELECT identity_id::text AS "identityId", tenant, edu_person_principal_name AS "eduPersonPrincipalName",
               edu_person_unique_id AS "eduPersonUniqueId", subject_id AS "subjectId"
        FROM (SELECT * FROM existing UNION ALL SELECT * FROM inserted) AS found`;
      if (rows[0]) return rows[0];
      // Nothing came back: a value collided, or a concurrent first assignment won the primary key.
      const raced = await this.find(db, identityId);
      if (raced) return raced;
    }
    throw new IdentifierCollisionError(this.maxAttempts);
  }
}
