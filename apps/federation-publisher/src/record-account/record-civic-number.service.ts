import { Logger } from '@nestjs/common';
import { validateNin } from '@skolkonto/domain';
import type { Prisma, PrismaClient } from '@skolkonto/persistence';
import { attributesFailed, enqueue } from '../federation-events';

export interface CivicNumberSnapshot {
  identityId: string;
  tenant: string;
  version: number;
  civicNo?: string;
}

/**
 * sensitive.<tenant>.civicno.changed → norEduPersonNIN, kept in its own table and released only to
 * SPs whose policy names it (never to a protected identity's SPs unless explicitly allowed). An
 * invalid number is not stored; the failure event names the attribute, never the value.
 */
export class RecordCivicNumberService {
  private readonly logger = new Logger(RecordCivicNumberService.name);

  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async applyCivicNumber(input: CivicNumberSnapshot): Promise<'recorded' | 'rejected' | 'stale'> {
    const reason = input.civicNo === undefined ? undefined : validateNin(input.civicNo);
    const civicNo = reason ? null : (input.civicNo ?? null);
    return this.prisma.$transaction(async (tx: Prisma.TransactionClient) => {
      const count = await tx.$executeRaw`
        INSERT INTO federation_sensitive (identity_id, tenant, version, civic_no)
        VALUES (${input.identityId}::uuid, ${input.tenant}, ${input.version}, ${civicNo})
        ON CONFLICT (identity_id) DO UPDATE SET version = EXCLUDED.version, civic_no = EXCLUDED.civic_no, updated_at = now()
        WHERE federation_sensitive.version < EXCLUDED.version`;
      if (count === 0) return 'stale' as const;
      if (!reason) return 'recorded' as const;
      await enqueue(tx, [
        attributesFailed(
          {
            tenant: input.tenant,
            identityId: input.identityId,
            identityVersion: input.version,
            violations: [{ attribute: 'norEduPersonNIN', reason }],
            protectedIdentity: true,
          },
          this.now(),
        ),
      ]);
      this.logger.warn({ identityId: input.identityId, tenant: input.tenant, attribute: 'norEduPersonNIN' }, reason);
      return 'rejected' as const;
    }, { maxWait: 10_000, timeout: 20_000 });
  }
}
