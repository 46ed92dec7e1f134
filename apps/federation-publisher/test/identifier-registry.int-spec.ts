import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Client } from 'pg';
import { validateEppn } from '@skolkonto/domain';
import { createPrismaClient, type PrismaClient } from '@skolkonto/persistence';
import { createTestDatabase, type TestDatabase } from '@skolkonto/testing';
import { IdentifierCollisionError, IdentifierRegistryRepository } from '../src/identifier-registry/identifier-registry.repository';
import { PublishAttributesService } from '../src/publish-attributes/publish-attributes.service';
import { anIdentity, testSettings } from './fixtures';

describe(IdentifierRegistryRepository.name, () => {
  let database: TestDatabase;
  let prisma: PrismaClient;

  beforeAll(async () => {
    database = await createTestDatabase({ prefix: 'fedpub_registry' });
    // Commit durability is not what these tests are about; skipping the fsync makes thousands of runs affordable.
    await new Client({ connectionString: database.url }).connect().then(async (c) => c.query(`ALTER DATABASE "${database.name}" SET synchronous_commit = off`).finally(() => c.end()));
    prisma = createPrismaClient(database.url, { poolSize: 4 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  it('assigns opaque identifiers once and gives them back unchanged', async () => {
    const registry = new IdentifierRegistryRepository();
    const identityId = randomUUID();
    const first = await registry.assign(prisma, identityId, 'skara', 'skara.se');
    expect(validateEppn(first.eduPersonPrincipalName, 'skara.se')).toBeUndefined();
    expect(first.eduPersonPrincipalName).toMatch(/^[a-z][a-z0-9]{7}@skara\.se$/);
    expect(first.eduPersonUniqueId).toMatch(/^[a-z0-9]{20}@skara\.se$/);
    expect(await registry.assign(prisma, identityId, 'skara', 'skara.se')).toEqual(first);
  });

  it('draws again when a generated value is taken', async () => {
    const taken = new IdentifierRegistryRepository({ eppnLocalPart: () => 'taken1', uniqueIdLocalPart: () => randomUUID().replace(/-/g, '') });
    const first = await taken.assign(prisma, randomUUID(), 'skara', 'skara.se');
    expect(first.eduPersonPrincipalName).toBe('taken1@skara.se');
    const queue = ['taken1', 'taken1', 'fresh22'];
    const colliding = new IdentifierRegistryRepository({
      eppnLocalPart: () => queue.shift()!,
      uniqueIdLocalPart: () => randomUUID().replace(/-/g, ''),
    });
    const second = await colliding.assign(prisma, randomUUID(), 'skara', 'skara.se');
    expect(second.eduPersonPrincipalName).toBe('fresh22@skara.se');
  });

  it('assigns many at once: the existing ones back unchanged, fresh ones drawn, and one whose value is taken left out for a draw of its own', async () => {
    const registry = new IdentifierRegistryRepository();
    const known = randomUUID();
    const before = await registry.assign(prisma, known, 'skara', 'skara.se');
    await new IdentifierRegistryRepository({ eppnLocalPart: () => 'many01', uniqueIdLocalPart: () => randomUUID().replace(/-/g, '') }).assign(prisma, randomUUID(), 'skara', 'skara.se');
    const queue = ['many01', 'many02', 'many03'];
    const drawing = new IdentifierRegistryRepository({ eppnLocalPart: () => queue.shift() ?? 'many09', uniqueIdLocalPart: () => randomUUID().replace(/-/g, '') });
    const [known2, collides, fresh] = [known, randomUUID(), randomUUID()];
    const assigned = await drawing.assignMany(prisma, [
      { identityId: known2, tenant: 'skara', scope: 'Skara.se' },
      { identityId: collides, tenant: 'skara', scope: 'Skara.se' },
      { identityId: fresh, tenant: 'skara', scope: 'Skara.se' },
    ]);
    expect(assigned.get(known)).toEqual(before);
    // The first drawn value went to `known` (which keeps its own): `collides` drew many02, `fresh` many03.
    expect(assigned.get(collides)?.eduPersonPrincipalName).toBe('many02@skara.se');
    expect(assigned.get(fresh)?.eduPersonPrincipalName).toBe('many03@skara.se');

    const again = new IdentifierRegistryRepository({ eppnLocalPart: () => 'many03', uniqueIdLocalPart: () => randomUUID().replace(/-/g, '') });
    const late = randomUUID();
    const result = await again.assignMany(prisma, [{ identityId: late, tenant: 'skara', scope: 'skara.se' }, { identityId: fresh, tenant: 'skara', scope: 'skara.se' }]);
    expect(result.has(late)).toBe(false);
    expect(result.get(fresh)?.eduPersonPrincipalName).toBe('many03@skara.se');
    expect(await prisma.federationIdentifier.count({ where: { identityId: late } })).toBe(0);
  });

  it('gives up loudly rather than reuse a value', async () => {
    const stuck = new IdentifierRegistryRepository({ eppnLocalPart: () => 'taken1', uniqueIdLocalPart: () => 'x' }, 3);
    await expect(stuck.assign(prisma, randomUUID(), 'skara', 'skara.se')).rejects.toBeInstanceOf(IdentifierCollisionError);
  });

  it('refuses to update or delete an assigned identifier (append-only table)', async () => {
    const registry = new IdentifierRegistryRepository();
    const ids = await registry.assign(prisma, randomUUID(), 'skara', 'skara.se');
    await expect(
      prisma.federationIdentifier.update({ where: { identityId: ids.identityId }, data: { eduPersonPrincipalName: 'other1@skara.se' } }),
    ).rejects.toThrow(/append-only/);
    await expect(prisma.federationIdentifier.delete({ where: { identityId: ids.identityId } })).rejects.toThrow(/append-only/);
    await expect(prisma.$executeRawUnsafe('TRUNCATE federation_identifier')).rejects.toThrow(/append-only/);
  });

  it('never reuses an ePPN across thousands of random lifecycle sequences; a returning person keeps theirs (property)', async () => {
    // A small ePPN space (36^3 values for ~2000 joins) makes collisions routine, so the property
    // exercises the collision path and not just the randomness of a large space.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const pick = () => alphabet[Math.floor(Math.random() * 36)];
    const registry = new IdentifierRegistryRepository(
      { eppnLocalPart: () => `q${pick()}${pick()}${pick()}xy`, uniqueIdLocalPart: () => randomUUID().replace(/-/g, '') },
      500,
    );
    const owner = new Map<string, string>(); // ePPN → identity, across every sequence of the run
    const op = fc.oneof(
      fc.record({ kind: fc.constant('join' as const) }),
      fc.record({ kind: fc.constantFrom('leave' as const, 'return' as const, 'change' as const), who: fc.nat() }),
    );
    let sequences = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        sequences += 1;
        const people: Array<{ id: string; eppn: string; active: boolean }> = [];
        for (const step of ops) {
          if (step.kind === 'join' || people.length === 0) {
            const id = randomUUID();
            const ids = await registry.assign(prisma, id, 'skara', 'skara.se');
            expect(owner.get(ids.eduPersonPrincipalName)).toBeUndefined();
            owner.set(ids.eduPersonPrincipalName, id);
            people.push({ id, eppn: ids.eduPersonPrincipalName, active: true });
            continue;
          }
          const person = people[step.who % people.length]!;
          if (step.kind === 'leave') {
            // Leaving frees nothing: the registry row stays (the append-only test above shows it cannot go).
            person.active = false;
          } else {
            const again = await registry.assign(prisma, person.id, 'skara', 'skara.se');
            expect(again.eduPersonPrincipalName).toBe(person.eppn);
            person.active = true;
          }
        }
      }),
      { numRuns: 1000 },
    );
    expect(sequences).toBe(1000);
    const rows = await prisma.federationIdentifier.findMany({ select: { identityId: true, eduPersonPrincipalName: true } });
    expect(new Set(rows.map((row) => row.eduPersonPrincipalName)).size).toBe(rows.length);
    for (const row of rows) if (owner.has(row.eduPersonPrincipalName)) expect(owner.get(row.eduPersonPrincipalName)).toBe(row.identityId);
  }, 240_000);

  it('keeps identifiers through the publisher across random status sequences (property)', async () => {
    const registry = new IdentifierRegistryRepository();
    const service = new PublishAttributesService(prisma, registry, testSettings());
    const people = Array.from({ length: 10 }, () => ({ id: randomUUID(), version: 0, eppn: undefined as string | undefined }));
    const step = fc.record({
      person: fc.nat({ max: people.length - 1 }),
      status: fc.constantFrom('pending', 'active', 'leaving', 'suspended', 'deactivated', 'active'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 10 }), async (sequence) => {
        for (const { person, status } of sequence) {
          const p = people[person]!;
          p.version += 1;
          await service.applyIdentity(anIdentity({ identityId: p.id, version: p.version, status: status as never }));
          const ids = await registry.find(prisma, p.id);
          if (status === 'deactivated' || status === 'suspended') continue;
          expect(ids).toBeDefined();
          if (p.eppn) expect(ids!.eduPersonPrincipalName).toBe(p.eppn);
          p.eppn = ids!.eduPersonPrincipalName;
        }
      }),
      { numRuns: 30 },
    );
  });
});
