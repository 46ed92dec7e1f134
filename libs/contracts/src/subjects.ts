// NATS subjects: `<domain>.<tenant>.<entity>.<verb>`. The messaging library may prefix a namespace
// (tests, side-by-side deployments); contracts never see it.
import { TENANT_ID_PATTERN } from './common';

export const DOMAINS = ['register', 'identity', 'directory', 'federation', 'ops', 'sensitive'] as const;
export type Domain = (typeof DOMAINS)[number];

const TOKEN = /^[a-z][a-z0-9-]*$/;

export interface SubjectParts {
  readonly domain: Domain;
  readonly tenant: string;
  readonly entity: string;
  readonly verb: string;
}

/** `identity.lidkoping.person.changed`; throws on a token that would break subject matching. */
export function buildSubject(parts: SubjectParts): string {
  if (!TENANT_ID_PATTERN.test(parts.tenant)) throw new Error(`invalid tenant id for a subject: "${parts.tenant}"`);
  for (const token of [parts.domain, parts.entity, parts.verb]) {
    if (!TOKEN.test(token)) throw new Error(`invalid subject token "${token}"`);
  }
  return `${parts.domain}.${parts.tenant}.${parts.entity}.${parts.verb}`;
}

/** The reverse of buildSubject; undefined for anything that is not a 4-token event subject. */
export function parseSubject(subject: string): SubjectParts | undefined {
  const tokens = subject.split('.');
  if (tokens.length !== 4) return undefined;
  const [domain, tenant, entity, verb] = tokens as [string, string, string, string];
  if (!(DOMAINS as readonly string[]).includes(domain) || !TENANT_ID_PATTERN.test(tenant)) return undefined;
  if (!TOKEN.test(entity) || !TOKEN.test(verb)) return undefined;
  return { domain: domain as Domain, tenant, entity, verb };
}

/** Subject pattern for all tenants, e.g. `identity.*.person.changed`. */
export function subjectPattern(domain: Domain, entity: string, verb: string): string {
  return `${domain}.*.${entity}.${verb}`;
}
