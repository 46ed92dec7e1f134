// Builds the console's view of each person from the streams: who they are (names, account name,
// ePPN, register ids) and one timeline entry per register change, identity version, AD operation
// and federation release. Entries are keyed by event id, so a re-read stream changes nothing.
// project() only computes and buffers; flush() writes the buffer in one transaction of four
// statements (two per-event round trips made the console's CPU go to Prisma and sockets under load,
// next to Samba AD on the same two cores). The stream watcher flushes before it saves checkpoints.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Prisma, PrismaClient } from '@skolkonto/persistence';
import { ConsoleConfig } from '../config';
import { maskSensitive } from '../shared/mask-sensitive';
import { CONSOLE_CONFIG } from '../shared/prisma.provider';
import { ObservedEvent } from '../stream-watch/observed-event';
import { Projection } from '../stream-watch/stream-watcher.service';
import { civicNumberMac, normalizeCivicNumber } from './civic-number-mac';

type Data = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Data => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : {});

export interface TimelineFact {
  personKey: string;
  stage: 'register' | 'identity' | 'directory' | 'federation';
  cause: string | null;
  summary: Data;
}

/** Pure: the timeline entry an event makes, or undefined when it is not about a person. */
export function toTimelineFact(event: ObservedEvent): TimelineFact | undefined {
  const [domain, , entity, verb] = event.subject.split('.');
  const data = obj(event.data);
  if (domain === 'register' && entity === 'person') {
    const record = obj(data.record);
    const key = str(record.id) ?? str(data.id);
    if (!key) return undefined;
    return { personKey: key, stage: 'register', cause: str(data.cause) ?? str(data.reason) ?? verb ?? null, summary: { change: verb, contentHash: str(data.contentHash) } };
  }
  if (domain === 'identity' && entity === 'person') {
    const key = str(data.identityId);
    if (!key) return undefined;
    const changed = Array.isArray(data.changedFields) ? data.changedFields : undefined;
    return {
      personKey: key,
      stage: 'identity',
      cause: str(data.reason) ?? (changed ? `changed: ${changed.join(', ')}` : verb ?? null),
      summary: { change: verb, version: data.version, status: data.status, changedFields: changed },
    };
  }
  if (domain === 'directory' && entity === 'account') {
    const key = str(data.identityId);
    if (!key) return undefined;
    const error = obj(data.error);
    return {
      personKey: key,
      stage: 'directory',
      cause: str(error.message) ?? str(data.reason) ?? (data.identityVersion ? `identity version ${data.identityVersion}` : verb ?? null),
      summary: { operation: verb, sAMAccountName: data.sAMAccountName, distinguishedName: data.distinguishedName, enabled: data.enabled, changedAttributes: data.changedAttributes },
    };
  }
  if (domain === 'federation' && entity === 'attributes') {
    const key = str(data.identityId);
    if (!key) return undefined;
    const attributes = obj(data.attributes);
    return {
      personKey: key,
      stage: 'federation',
      cause: str(data.reason) ?? (data.identityVersion ? `identity version ${data.identityVersion}` : verb ?? null),
      summary: { release: verb, eduPersonPrincipalName: attributes.eduPersonPrincipalName, eduPersonScopedAffiliation: attributes.eduPersonScopedAffiliation },
    };
  }
  return undefined;
}

/** A buffered write: a timeline entry and what the event says about its person, in arrival order. */
interface BufferedFact {
  /** The console_timeline_entries row, or undefined when it could not be stored (see project()). */
  entry?: TimelineRow;
  register?: RegisterPersonRow;
  person?: PersonPatch;
}

interface TimelineRow {
  event_id: string;
  person_key: string;
  tenant: string;
  stage: TimelineFact['stage'];
  type: string;
  subject: string;
  occurred_at: string;
  cause: string | null;
  summary: unknown;
}

interface RegisterPersonRow {
  register_id: string;
  tenant: string;
  display_name: string | null;
  civic_number_mac: string | null;
}

/** Only the fields an event carries; absent ones keep what the row has. */
interface PersonPatch {
  person_key: string;
  /** Used only when the row is new. */
  tenant: string;
  /** An identity version sets both (to null / [] when it has none). */
  identity?: { display_name: string | null; register_ids: string[] };
  account_name?: string;
  eppn?: string;
}

/** Flush in the background once this many facts wait, besides the watcher's flush each second. */
export const TIMELINE_BATCH_SIZE = 500;
/** After a failed write, wait this long before a size-triggered retry (the watcher still retries each second). */
const RETRY_AFTER_MS = 1000;

@Injectable()
export class TimelineProjection implements Projection {
  private readonly logger = new Logger(TimelineProjection.name);
  private buffer: BufferedFact[] = [];
  /** The last write started; flushes run one at a time so rows are written in arrival order. */
  private writing: Promise<void> = Promise.resolve();
  private sizeFlush?: Promise<void>;
  private retryAt = 0;

  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  /** How many facts wait to be written (for tests and metrics). */
  get pending(): number {
    return this.buffer.length;
  }

  async project(event: ObservedEvent): Promise<void> {
    if (event.stream === 'DEADLETTER' || !event.tenant) return;
    const fact = toTimelineFact(event);
    if (!fact) return;
    const buffered: BufferedFact = this.personChange(event, fact);
    const eventId = event.eventId ?? `${event.stream}#${event.streamSequence}`;
    const occurredAt = new Date(event.time);
    // Years PostgreSQL parses back from an ISO string; anything else it would refuse.
    const year = occurredAt.getUTCFullYear();
    const validTime = year >= 1 && year <= 9999;
    const entry: TimelineRow = {
      event_id: eventId,
      person_key: fact.personKey,
      tenant: event.tenant,
      stage: fact.stage,
      type: event.type ?? event.subject,
      subject: event.subject,
      occurred_at: validTime ? occurredAt.toISOString() : '',
      cause: fact.cause ? maskSensitive(fact.cause) : null,
      summary: maskSensitive(fact.summary),
    };
    // What PostgreSQL would refuse is left out here, as the per-event write failed and skipped it,
    // so that one bad event cannot hold back a whole batch (and the checkpoints) for ever.
    if (validTime && !unstorable(entry)) buffered.entry = entry;
    else this.logger.warn(`timeline entry for ${event.stream}#${event.streamSequence} not kept: time or text PostgreSQL cannot store`);
    if (unstorable(buffered.register) || unstorable(buffered.person)) {
      this.logger.warn(`person fields of ${event.stream}#${event.streamSequence} not kept: text PostgreSQL cannot store`);
      buffered.register = undefined;
      buffered.person = undefined;
    }
    this.buffer.push(buffered);
    if (this.buffer.length >= TIMELINE_BATCH_SIZE && !this.sizeFlush && Date.now() >= this.retryAt) {
      // Not awaited: the stream keeps flowing while the batch is written.
      this.sizeFlush = this.flush()
        .catch(() => undefined)
        .finally(() => (this.sizeFlush = undefined));
    }
  }

  /**
   * Writes every fact buffered so far (and any a failed write put back). Resolves once they are in
   * PostgreSQL; rejects, keeping them buffered for the next try, when they could not be written.
   */
  flush(): Promise<void> {
    const run = this.writing.catch(() => undefined).then(() => this.write());
    this.writing = run;
    return run;
  }

  private async write(): Promise<void> {
    const batch = this.buffer;
    if (!batch.length) return;
    this.buffer = [];
    try {
      await this.prisma.$transaction(this.statements(batch));
    } catch (error) {
      // Put back in front of what arrived meanwhile, so arrival order (and the merge) holds.
      this.buffer = batch.concat(this.buffer);
      this.retryAt = Date.now() + RETRY_AFTER_MS;
      // The driver's message may quote the batch (names), so only its codes are logged.
      this.logger.warn(`timeline batch of ${batch.length} facts not written (${errorCodes(error)}); kept for the next flush`);
      throw error;
    }
  }

  private statements(batch: BufferedFact[]): Array<Prisma.PrismaPromise<unknown>> {
    // Entries: the first with an event id wins, as skipDuplicates did for a re-read event.
    const entries = new Map<string, TimelineRow & { ord: number }>();
    // Register persons: the last upsert wins whole; a deletion changes nothing.
    const registerPeople = new Map<string, RegisterPersonRow>();
    // Console persons: patches merged in arrival order, a later field wins, an absent one keeps.
    const people = new Map<string, PersonPatch>();
    for (const fact of batch) {
      if (fact.entry && !entries.has(fact.entry.event_id)) entries.set(fact.entry.event_id, { ...fact.entry, ord: entries.size });
      if (fact.register) registerPeople.set(fact.register.register_id, fact.register);
      if (fact.person) {
        const merged = people.get(fact.person.person_key);
        if (!merged) people.set(fact.person.person_key, { ...fact.person });
        else {
          if (fact.person.identity) merged.identity = fact.person.identity;
          if (fact.person.account_name !== undefined) merged.account_name = fact.person.account_name;
          if (fact.person.eppn !== undefined) merged.eppn = fact.person.eppn;
        }
      }
    }
    const statements: Array<Prisma.PrismaPromise<unknown>> = [];
    if (people.size) {
      const rows = [...people.values()].map((p) => ({
        person_key: p.person_key,
        tenant: p.tenant,
        has_identity: !!p.identity,
        display_name: p.identity?.display_name ?? null,
        register_ids: p.identity?.register_ids ?? [],
        account_name: p.account_name ?? null,
        eppn: p.eppn ?? null,
      }));
      const json = JSON.stringify(rows);
      // Two statements, so that a row another replica inserts meanwhile is updated, never overwritten:
      // create what is missing as the per-event upsert's create would start it, then apply the patches.
      statements.push(this.prisma.$executeRaw`
        INSERT INTO console_people (person_key, tenant, display_name, account_name, eppn, register_ids, updated_at)
        SELECT b.person_key, b.tenant, NULL, NULL, NULL, '{}'::text[], now()
        FROM jsonb_to_recordset(${json}::jsonb) AS b(person_key text, tenant text)
        ON CONFLICT (person_key) DO NOTHING`);
      statements.push(this.prisma.$executeRaw`
        UPDATE console_people p SET
          display_name = CASE WHEN b.has_identity THEN b.display_name ELSE p.display_name END,
          register_ids = CASE WHEN b.has_identity THEN b.register_ids ELSE p.register_ids END,
          account_name = COALESCE(b.account_name, p.account_name),
          eppn = COALESCE(b.eppn, p.eppn),
          updated_at = now()
        FROM jsonb_to_recordset(${json}::jsonb)
          AS b(person_key text, has_identity boolean, display_name text, register_ids text[], account_name text, eppn text)
        WHERE p.person_key = b.person_key`);
    }
    if (registerPeople.size) {
      statements.push(this.prisma.$executeRaw`
        INSERT INTO console_register_people (register_id, tenant, display_name, civic_number_mac, updated_at)
        SELECT b.register_id, b.tenant, b.display_name, b.civic_number_mac, now()
        FROM jsonb_to_recordset(${JSON.stringify([...registerPeople.values()])}::jsonb)
          AS b(register_id text, tenant text, display_name text, civic_number_mac text)
        ON CONFLICT (register_id) DO UPDATE SET
          tenant = EXCLUDED.tenant, display_name = EXCLUDED.display_name,
          civic_number_mac = EXCLUDED.civic_number_mac, updated_at = EXCLUDED.updated_at`);
    }
    if (entries.size) {
      // In arrival order, so ids (the timeline's tie-break after the time) keep that order.
      statements.push(this.prisma.$executeRaw`
        INSERT INTO console_timeline_entries (event_id, person_key, tenant, stage, type, subject, occurred_at, cause, summary)
        SELECT e.event_id, e.person_key, e.tenant, e.stage, e.type, e.subject, e.occurred_at, e.cause, e.summary
        FROM jsonb_to_recordset(${JSON.stringify([...entries.values()])}::jsonb)
          AS e(event_id text, person_key text, tenant text, stage text, type text, subject text,
               occurred_at timestamptz, cause text, summary jsonb, ord integer)
        ORDER BY e.ord
        ON CONFLICT (event_id) DO NOTHING`);
    }
    return statements;
  }

  /** What the event says about its person: the register record or the console person's fields. */
  private personChange(event: ObservedEvent, fact: TimelineFact): BufferedFact {
    const tenant = event.tenant!;
    const data = obj(event.data);
    if (fact.stage === 'register') {
      const record = obj(data.record);
      if (!str(record.id)) return {}; // a deletion: keep what we knew
      const civic = str(obj(record.civicNo).value);
      const normalized = civic ? normalizeCivicNumber(civic) : undefined;
      // Protected identities (securityMarking other than "Ingen") keep no name in the console.
      const marking = str(record.securityMarking);
      const name = marking && marking !== 'Ingen' ? null : [str(record.givenName), str(record.familyName)].filter(Boolean).join(' ') || null;
      return {
        register: {
          register_id: fact.personKey,
          tenant,
          display_name: name,
          civic_number_mac: normalized ? civicNumberMac(normalized, this.config.CONSOLE_SESSION_SECRET) : null,
        },
      };
    }
    const person: PersonPatch = { person_key: fact.personKey, tenant };
    if (fact.stage === 'identity') {
      const refs = Array.isArray(data.sourceRefs) ? data.sourceRefs.map(obj) : [];
      person.identity = {
        display_name: str(obj(data.names).displayName) ?? null,
        register_ids: refs.filter((r) => r.entity === 'Person').map((r) => str(r.id)).filter((id): id is string => !!id),
      };
    } else if (fact.stage === 'directory') {
      const account = str(data.sAMAccountName);
      if (account) person.account_name = account;
    } else if (fact.stage === 'federation') {
      const eppn = str(obj(data.attributes).eduPersonPrincipalName);
      if (eppn) person.eppn = eppn;
    }
    return { person };
  }
}

// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when a string inside holds what PostgreSQL text and jsonb refuse (NUL, a lone surrogate). */
function unstorable(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE_TEXT.test(value);
  if (Array.isArray(value)) return value.some(unstorable);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => unstorable(k) || unstorable(v));
  return false;
}

function errorCodes(error: unknown): string {
  const e = error as { name?: string; code?: unknown; meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown; kind?: unknown } } } };
  const driver = e.meta?.driverAdapterError?.cause;
  return [e.name, e.code, e.meta?.code, driver?.originalCode ?? driver?.kind].filter((c) => typeof c === 'string' && c).join(' ') || 'unknown error';
}
