// The simulator's tables (prisma/schema/register-simulator.prisma). The API serves from memory;
// these rows make the registers survive restarts and are written before any change is served.
import type { PrismaClient } from '@skolkonto/persistence';
import type { EntityPath } from '@skolkonto/ss12000';

export interface StoredDocument {
  entity: EntityPath;
  id: string;
  document: Record<string, unknown>;
  modified: number;
}

export interface StoredDeletion {
  entity: EntityPath;
  id: string;
  deletedAt: number;
}

export interface TenantSeedState {
  seed: number;
  persons: number;
  schoolYearStart: number;
  seededAt: Date;
  clock: number;
}

export interface StoredSubscription {
  id: string;
  tenant: string;
  name: string;
  target: string;
  resourceTypes: { resource: string }[];
  expires: Date;
}

const CHUNK = 5000;

export class RegisterRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async loadTenant(
    tenant: string,
  ): Promise<{ state?: TenantSeedState; documents: StoredDocument[]; deletions: StoredDeletion[] }> {
    const state = await this.prisma.simulatorTenant.findUnique({ where: { tenant } });
    if (!state) return { documents: [], deletions: [] };
    const rows = await this.prisma.simulatorEntity.findMany({ where: { tenant } });
    const deletions = await this.prisma.simulatorDeletion.findMany({
      where: { tenant },
      orderBy: { deletedAt: 'asc' },
    });
    return {
      state: {
        seed: state.seed,
        persons: state.persons,
        schoolYearStart: state.schoolYearStart,
        seededAt: state.seededAt,
        clock: state.clock.getTime(),
      },
      documents: rows.map((r) => ({
        entity: r.entity as EntityPath,
        id: r.id,
        document: r.document as Record<string, unknown>,
        modified: r.modified.getTime(),
      })),
      deletions: deletions.map((d) => ({
        entity: d.entity as EntityPath,
        id: d.id,
        deletedAt: d.deletedAt.getTime(),
      })),
    };
  }

  /** Replaces a tenant's whole register (a fresh seed): old entities, deletions and state go. */
  async replaceTenant(tenant: string, state: TenantSeedState, documents: StoredDocument[]): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        await tx.simulatorEntity.deleteMany({ where: { tenant } });
        await tx.simulatorDeletion.deleteMany({ where: { tenant } });
        // One statement per chunk with the rows as a single JSON parameter: createMany spends
        // minutes on 25,000 JSON documents, this takes a second or two.
        for (let i = 0; i < documents.length; i += CHUNK) {
          const rows = JSON.stringify(
            documents.slice(i, i + CHUNK).map((d) => ({
              entity: d.entity,
              id: d.id,
              document: d.document,
              modified: new Date(d.modified).toISOString(),
            })),
          );
          await tx.$executeRaw`
            INSERT INTO simulator_entity (tenant, entity, id, document, modified)
            SELECT ${tenant}, r.entity, r.id::uuid, r.document, r.modified::timestamptz
            FROM jsonb_to_recordset(${rows}::jsonb) AS r(entity text, id text, document jsonb, modified text)`;
        }
        const row = {
          seed: state.seed,
          persons: state.persons,
          schoolYearStart: state.schoolYearStart,
          seededAt: state.seededAt,
          clock: new Date(state.clock),
        };
        await tx.simulatorTenant.upsert({ where: { tenant }, create: { tenant, ...row }, update: row });
      },
      { timeout: 120_000, maxWait: 10_000 },
    );
  }

  /** One mutation: its upserts, deletions and the advanced clock, atomically. */
  async applyChanges(
    tenant: string,
    upserts: StoredDocument[],
    deletions: StoredDeletion[],
    clock: number,
  ): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      for (const d of upserts) {
        const key = { tenant_entity_id: { tenant, entity: d.entity, id: d.id } };
        const data = { document: d.document as object, modified: new Date(d.modified) };
        await tx.simulatorEntity.upsert({
          where: key,
          create: { tenant, entity: d.entity, id: d.id, ...data },
          update: data,
        });
        // A re-created id is no longer deleted.
        await tx.simulatorDeletion.deleteMany({ where: { tenant, entity: d.entity, id: d.id } });
      }
      for (const d of deletions) {
        await tx.simulatorEntity.deleteMany({ where: { tenant, entity: d.entity, id: d.id } });
        const at = new Date(d.deletedAt);
        await tx.simulatorDeletion.upsert({
          where: { tenant_entity_id: { tenant, entity: d.entity, id: d.id } },
          create: { tenant, entity: d.entity, id: d.id, deletedAt: at },
          update: { deletedAt: at },
        });
      }
      await tx.simulatorTenant.update({ where: { tenant }, data: { clock: new Date(clock) } });
    });
  }

  async listSubscriptions(tenant?: string): Promise<StoredSubscription[]> {
    const rows = await this.prisma.simulatorSubscription.findMany({
      where: tenant ? { tenant } : {},
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => ({ ...r, resourceTypes: r.resourceTypes as { resource: string }[] }));
  }

  async saveSubscription(s: StoredSubscription): Promise<void> {
    const data = {
      tenant: s.tenant,
      name: s.name,
      target: s.target,
      resourceTypes: s.resourceTypes,
      expires: s.expires,
    };
    await this.prisma.simulatorSubscription.upsert({
      where: { id: s.id },
      create: { id: s.id, ...data },
      update: data,
    });
  }

  async deleteSubscription(tenant: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.simulatorSubscription.deleteMany({ where: { tenant, id } });
    return count > 0;
  }

  async ping(): Promise<void> {
    await this.prisma.$queryRaw`SELECT 1`;
  }
}
