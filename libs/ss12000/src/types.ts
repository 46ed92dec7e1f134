// SS 12000:2020 implementation spec v2.1 — the subset of the data model skolkonto consumes.
// Field names and enum values are the spec's own (Swedish values included) so records can be
// passed on without translation.

export const ORGANISATION_TYPES = [
  'Huvudman',
  'Verksamhetsområde',
  'Förvaltning',
  'Rektorsområde',
  'Skola',
  'Skolenhet',
  'Varumärke',
  'Bolag',
  'Övrigt',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

export const GROUP_TYPES = [
  'Undervisning',
  'Klass',
  'Mentor',
  'Provgrupp',
  'Schema',
  'Avdelning',
  'Personalgrupp',
  'Övrigt',
] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

export const DUTY_ROLES = [
  'Rektor',
  'Lärare',
  'Förskollärare',
  'Barnskötare',
  'Bibliotekarie',
  'Lärarassistent',
  'Fritidspedagog',
  'Annan personal',
  'Studie- och yrkesvägledare',
  'Förstelärare',
  'Kurator',
  'Skolsköterska',
  'Skolläkare',
  'Skolpsykolog',
  'Speciallärare/specialpedagog',
  'Skoladministratör',
  'Övrig arbetsledning',
  'Övrig pedagogisk personal',
  'Förskolechef',
] as const;
export type DutyRole = (typeof DUTY_ROLES)[number];

export const ASSIGNMENT_ROLE_TYPES = [
  'Mentor',
  'Förskollärare',
  'Barnskötare',
  'Fritidspedagog',
  'Pedagogisk ledare',
  'Lärarassistent',
  'Elevhälsopersonal',
  'Administrativ personal',
  'Specialpedagog',
  'Schemaläggare',
] as const;
export type AssignmentRoleType = (typeof ASSIGNMENT_ROLE_TYPES)[number];

export const SCHOOL_TYPES = [
  'FS',
  'FKLASS',
  'FTH',
  'OPPFTH',
  'GR',
  'GRS',
  'TR',
  'SP',
  'SAM',
  'GY',
  'GYS',
  'VUX',
  'VUXSFI',
  'VUXGR',
  'VUXGY',
  'VUXSARGR',
  'VUXSARTR',
  'VUXSARGY',
  'SFI',
  'SARVUX',
  'SARVUXGR',
  'SARVUXGY',
  'KU',
  'YH',
  'FHS',
  'STF',
  'KKU',
  'HS',
  'ABU',
  'AU',
] as const;
export type SchoolType = (typeof SCHOOL_TYPES)[number];

export const SECURITY_MARKINGS = ['Ingen', 'Sekretessmarkering', 'Skyddad folkbokföring'] as const;
export type SecurityMarking = (typeof SECURITY_MARKINGS)[number];

export const PERSON_STATUSES = ['Aktiv', 'Utvandrad', 'Avliden'] as const;
export type PersonStatus = (typeof PERSON_STATUSES)[number];

export const SEXES = ['Man', 'Kvinna', 'Okänt'] as const;
export type Sex = (typeof SEXES)[number];

export const EMAIL_TYPES = ['Privat', 'Skola elev', 'Skola personal', 'Arbete övrigt'] as const;
export type EmailType = (typeof EMAIL_TYPES)[number];

export const RELATION_TYPES = ['Vårdnadshavare', 'Annan ansvarig', 'God man', 'Utsedd behörig'] as const;
export type RelationType = (typeof RELATION_TYPES)[number];

/** The resource names used by subscriptions (`resourceTypes[].resource`) and `/deletedEntities?entities=`. */
export const RESOURCE_TYPES = ['Person', 'Organisation', 'Group', 'Duty'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface Meta {
  /** RFC 3339 date-time. */
  created: string;
  /** RFC 3339 date-time; changes only when the entity's own attributes change. */
  modified: string;
}

export interface Reference {
  id: string;
  displayName?: string;
}

export interface PersonReference extends Reference {
  securityMarking?: SecurityMarking;
}

export interface CivicNo {
  /** 12 digits (YYYYMMDDNNNC), no separator; day + 60 for samordningsnummer. Never log it. */
  value: string;
  nationality?: string;
}

export interface ExternalIdentifier {
  value: string;
  context: string;
  globallyUnique: boolean;
}

export interface Email {
  value: string;
  type: EmailType;
}

export interface Enrolment {
  enroledAt: Reference;
  schoolType: SchoolType;
  /** RFC 3339 full-date, inclusive. */
  startDate: string;
  /** RFC 3339 full-date, inclusive. */
  endDate?: string;
  schoolYear?: number;
  cancelled?: boolean;
  educationCode?: string;
  programme?: Reference;
  specification?: string;
}

export interface Responsible {
  person?: PersonReference;
  relationType?: RelationType;
}

export interface Person {
  id: string;
  meta?: Meta;
  givenName: string;
  middleName?: string;
  familyName: string;
  eduPersonPrincipalNames?: string[];
  externalIdentifiers?: ExternalIdentifier[];
  civicNo?: CivicNo;
  birthDate?: string;
  sex?: Sex;
  securityMarking?: SecurityMarking;
  personStatus?: PersonStatus;
  emails?: Email[];
  enrolments?: Enrolment[];
  responsibles?: Responsible[];
}

export interface Organisation {
  id: string;
  meta?: Meta;
  displayName: string;
  organisationType: OrganisationType;
  organisationCode?: string;
  organisationNumber?: string;
  schoolUnitCode?: string;
  parentOrganisation?: Reference;
  schoolTypes?: SchoolType[];
  municipalityCode?: string;
  email?: string;
  url?: string;
  startDate?: string;
  endDate?: string;
}

export interface GroupMembership {
  person: PersonReference;
  startDate?: string;
  endDate?: string;
}

export interface Group {
  id: string;
  meta?: Meta;
  displayName: string;
  groupType: GroupType;
  organisation: Reference;
  schoolType?: SchoolType;
  startDate: string;
  endDate?: string;
  groupMemberships?: GroupMembership[];
}

export interface AssignmentRole {
  group: Reference;
  assignmentRoleType: AssignmentRoleType;
  startDate?: string;
  endDate?: string;
}

export interface Duty {
  id: string;
  meta?: Meta;
  dutyAt: Reference;
  dutyRole: DutyRole;
  /** Optional in the spec: a vacant duty has no person. */
  person?: PersonReference;
  signature?: string;
  dutyPercent?: number;
  hoursPerYear?: number;
  description?: string;
  startDate: string;
  endDate?: string;
  assignmentRole?: AssignmentRole[];
}

/** The four list endpoints, named as in their URL path. */
export const ENTITY_PATHS = ['persons', 'organisations', 'groups', 'duties'] as const;
export type EntityPath = (typeof ENTITY_PATHS)[number];

export interface EntityByPath {
  persons: Person;
  organisations: Organisation;
  groups: Group;
  duties: Duty;
}

export const RESOURCE_TYPE_OF: Record<EntityPath, ResourceType> = {
  persons: 'Person',
  organisations: 'Organisation',
  groups: 'Group',
  duties: 'Duty',
};

/** `/deletedEntities` answer body. The spec itself spells one key `activitites`; both spellings are kept. */
export interface DeletedEntitiesData {
  persons?: string[];
  organisations?: string[];
  groups?: string[];
  duties?: string[];
  activities?: string[];
  activitites?: string[];
  [other: string]: string[] | undefined;
}

/** What skolkonto takes from one `/deletedEntities` page: ids per entity path. */
export interface DeletedIds {
  persons: string[];
  organisations: string[];
  groups: string[];
  duties: string[];
  activities: string[];
}

export interface CreateSubscription {
  name: string;
  target: string;
  resourceTypes: { resource: ResourceType }[];
}

export interface Subscription extends CreateSubscription {
  id: string;
  /** RFC 3339 date-time. Renew with PATCH before it passes. */
  expires: string;
}

/** Body the register POSTs to a subscription's target. The spec spells it `modifiedEntites`. */
export interface WebhookNotification {
  modifiedEntites?: ResourceType[];
  modifiedEntities?: ResourceType[];
  deletedEntities?: boolean;
}

export interface ListPage<T> {
  data: T[];
  pageToken?: string | null;
}
