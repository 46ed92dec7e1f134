import { Logger } from '@nestjs/common';
import { validateNin } from '@skolkonto/domain';
import type { Prisma, PrismaClient } from '@skolkonto/persistence';
import { attributesFailed, enqueue } from '../federation-events';
import { settleEach, type Settled } from '@skolkonto/messaging';

export type CivicNumberOutcome = 'recorded' | 'rejected' | 'stale';

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

  async applyCivicNumber(input: CivicNumberSnapshot): Promise<CivicNumberOutcome> {
    const [outcome] = await this.prisma.$transaction((tx: Prisma.TransactionClient) => this.store(tx, [input]), TRANSACTION_OPTIONS);
    return outcome!;
  }

  /**
   * A batch of events in one transaction and one statement (a first load brings one per person).
   * Per identity the highest version is stored, as one by one would leave it; its other events are
   * stale. When the batch fails, each event is applied on its own so that one bad event fails alone.
   */
  async applyCivicNumbers(inputs: CivicNumberSnapshot[]): Promise<Array<Settled<CivicNumberOutcome>>> {
    try {
      const outcomes = await this.prisma.$transaction((tx: Prisma.TransactionClient) => this.store(tx, inputs), TRANSACTION_OPTIONS);
      return outcomes.map((value) => ({ value }));
    } catch {
      return settleEach(inputs, (input) => this.applyCivicNumber(input));
    }
  }

  private async store(tx: Prisma.TransactionClient, inputs: CivicNumberSnapshot[]): Promise<CivicNumberOutcome[]> {
    const newest = new Map<string, CivicNumberSnapshot>();
    for (const input of inputs) {
      const seen = newest.get(input.identityId.toLowerCase());
      if (!seen || seen.version < input.version) newest.set(input.identityId.toLowerCase(), input);
    }
    const rows = [...newest.values()].map((input) => {
      const reason = input.civicNo === undefined ? undefined : validateNin(input.civicNo);
      return { input, reason, civicNo: reason ? null : (input.civicNo ?? null) };
    });
    // ON CONFLICT touches each row once: hence one event per identity above.
    const stored = await tx.$queryRawUnsafe<Array<{ identity_id: string }>>(
      `INSERT INTO federation_sensitive (identity_id, tenant, version, civic_no)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[])
       ON CONFLICT (identity_id) DO UPDATE SET version = EXCLUDED.version, civic_no = EXCLUDED.civic_no, updated_at = now()
         WHERE federation_sensitive.version < EXCLUDED.version
       RETURNING identity_id::text`,
      rows.map((row) => row.input.identityId),
      rows.map((row) => row.input.tenant),
      rows.map((row) => row.input.version),
      rows.map((row) => row.civicNo),
    );
    const storedIds = new Set(stored.map((row) => row.identity_id));
    const outcomeOf = new Map<CivicNumberSnapshot, CivicNumberOutcome>();
    const rejected: Array<{ input: CivicNumberSnapshot; reason: string }> = [];
    for (const { input, reason } of rows) {
      if (!storedIds.has(input.identityId.toLowerCase())) continue;
      outcomeOf.set(input, reason ? 'rejected' : 'recorded');
      if (reason) rejected.push({ input, reason });
    }
    if (rejected.length > 0) {
      const time = this.now();
      await enqueue(
        tx,
        rejected.map(({ input, reason }) =>
          attributesFailed(
            {
              tenant: input.tenant,
              identityId: input.identityId,
              identityVersion: input.version,
              violations: [{ attribute: 'norEduPersonNIN', reason }],
              protectedIdentity: true,
            },
            time,
          ),
        ),
      );
      for (const { input, reason } of rejected) this.logger.warn({ identityId: input.identityId, tenant: input.tenant, attribute: 'norEduPersonNIN' }, reason);
    }
    return inputs.map((input) => outcomeOf.get(input) ?? 'stale');
  }
}

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 };
