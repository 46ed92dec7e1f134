// The port through which register-ingest reads one tenant's SS 12000 register. The adapter over
// @skolkonto/ss12000 implements it; the sync services depend only on this shape.

/**
 * Read and published in this order: the records a person refers to (schools, class and teaching
 * groups, duties) come before the person, so a new pupil's or teacher's first identity version is
 * already complete. Persons first would publish every newcomer twice (without class or role, then
 * with), and every later stage would do its work twice, AD included.
 */
export const ENTITY_TYPES = ['Organisation', 'Group', 'Duty', 'Person'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** A record that passed the client's validation, exactly as received. */
export interface RegisterRecord {
  id: string;
  meta?: { created?: string; modified?: string };
  [field: string]: unknown;
}

/** A record the client refused; `registerId` when the record had a readable id. */
export interface RejectedRecord {
  registerId?: string;
  /** Machine-readable, e.g. MISSING_FIELD, UNKNOWN_ENUM, INVALID_CIVIC_NUMBER. */
  code: string;
  /** Human-readable and free of personal data. */
  reason: string;
  /** Used only to recognise the same bad version again; never logged or published. */
  raw?: unknown;
}

export interface RegisterPage {
  records: RegisterRecord[];
  rejected: RejectedRecord[];
}

export type DeletedIds = Partial<Record<EntityType, string[]>>;

export interface RegisterSource {
  /** Every page of one entity type; `modifiedAfter` asks only for records changed after it. */
  readPages(entityType: EntityType, options?: { modifiedAfter?: Date }): AsyncIterable<RegisterPage>;
  /** Ids the register reports deleted after the given time, per entity type. */
  readDeleted(after: Date, entityTypes: readonly EntityType[]): Promise<DeletedIds>;
}

/** Builds the source for one tenant; lets tests and the bench point ingest at any server. */
export abstract class RegisterSourceFactory {
  abstract forTenant(tenant: string): RegisterSource;
}

/** Lower-case entity name used in subjects: register.<tenant>.<entity>.<verb>. */
export function toSubjectEntity(entityType: EntityType): string {
  return entityType.toLowerCase();
}

/**
 * Asks for the next page while the caller is still storing the current one, so register latency
 * and database time overlap. Errors surface when the caller reaches that page, as without prefetch.
 */
export async function* prefetchPages<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  let next = iterator.next();
  next.catch(() => undefined);
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}
