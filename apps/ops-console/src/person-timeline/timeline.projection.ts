// Builds the console's view of each person from the streams: who they are (names, account name,
// ePPN, register ids) and one timeline entry per register change, identity version, AD operation
// and federation release. Entries are keyed by event id, so a re-read stream changes nothing.
import { Inject, Injectable } from '@nestjs/common';
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

@Injectable()
export class TimelineProjection implements Projection {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
  ) {}

  async project(event: ObservedEvent): Promise<void> {
    if (event.stream === 'DEADLETTER' || !event.tenant) return;
    const fact = toTimelineFact(event);
    if (!fact) return;
    await this.updatePerson(event, fact);
    const eventId = event.eventId ?? `${event.stream}#${event.streamSequence}`;
    await this.prisma.consoleTimelineEntry.createMany({
      data: [
        {
          eventId,
          personKey: fact.personKey,
          tenant: event.tenant,
          stage: fact.stage,
          type: event.type ?? event.subject,
          subject: event.subject,
          occurredAt: new Date(event.time),
          cause: fact.cause ? maskSensitive(fact.cause) : null,
          summary: maskSensitive(fact.summary) as Prisma.InputJsonValue,
        },
      ],
      skipDuplicates: true,
    });
  }

  private async updatePerson(event: ObservedEvent, fact: TimelineFact): Promise<void> {
    const tenant = event.tenant!;
    const data = obj(event.data);
    if (fact.stage === 'register') {
      const record = obj(data.record);
      const civic = str(obj(record.civicNo).value);
      const normalized = civic ? normalizeCivicNumber(civic) : undefined;
      // Protected identities (securityMarking other than "Ingen") keep no name in the console.
      const marking = str(record.securityMarking);
      const name = marking && marking !== 'Ingen' ? null : [str(record.givenName), str(record.familyName)].filter(Boolean).join(' ') || null;
      if (!str(record.id)) return; // a deletion: keep what we knew
      const values = { tenant, displayName: name, civicNumberMac: normalized ? civicNumberMac(normalized, this.config.CONSOLE_SESSION_SECRET) : null };
      await this.prisma.consoleRegisterPerson.upsert({ where: { registerId: fact.personKey }, create: { registerId: fact.personKey, ...values }, update: values });
      return;
    }
    const update: Prisma.ConsolePersonUpdateInput = {};
    if (fact.stage === 'identity') {
      update.displayName = str(obj(data.names).displayName) ?? null;
      const refs = Array.isArray(data.sourceRefs) ? data.sourceRefs.map(obj) : [];
      update.registerIds = refs.filter((r) => r.entity === 'Person').map((r) => str(r.id)).filter((id): id is string => !!id);
    } else if (fact.stage === 'directory') {
      const account = str(data.sAMAccountName);
      if (account) update.accountName = account;
    } else if (fact.stage === 'federation') {
      const eppn = str(obj(data.attributes).eduPersonPrincipalName);
      if (eppn) update.eppn = eppn;
    }
    await this.prisma.consolePerson.upsert({
      where: { personKey: fact.personKey },
      create: {
        personKey: fact.personKey,
        tenant,
        displayName: (update.displayName as string | null | undefined) ?? null,
        accountName: (update.accountName as string | undefined) ?? null,
        eppn: (update.eppn as string | undefined) ?? null,
        registerIds: (update.registerIds as string[] | undefined) ?? [],
      },
      update,
    });
  }
}
