// The register changes of an ordinary school day, made in one call (npm run demo:change and the
// ops console's demo button): a new pupil in Skara, a class change in Lidköping, a leaver in
// Götene and a Skara pupil moving to Lidköping. Each change is an ordinary mutation, so each fires
// the webhooks as it would alone. Picks are random among living, unprotected pupils with a class,
// so running it again changes other people. Names are synthetic demo data.
import { ApiError } from '../serve-register/list-query';
import type { RegisterStore } from '../register-store/register-store.service';
import type { MutateRegisterService } from '../mutate-register/mutate-register.service';

export interface SchoolDayChange {
  kind: 'enrolled' | 'class-changed' | 'left' | 'moved';
  tenant: string;
  personId: string;
  name: string;
  /** One line for a person reading the dashboard. */
  description: string;
  toTenant?: string;
  toPersonId?: string;
  fromClass?: string;
  toClass?: string;
}

interface PupilRow {
  id: string;
  name: string;
  personStatus?: string;
  securityMarking?: string;
  classes: string[];
}

const GIVEN = ['Åsa', 'Elsa', 'Noah', 'Märta', 'Björn', 'Saga', 'Ölvir', 'Linnéa', 'Hugo', 'Ebba'];
const FAMILY = ['Öberg', 'Lindqvist', 'Åkesson', 'Nyström', 'Ek-Sjöberg', 'Håkansson', 'Karlsson'];
export const SCHOOL_DAY_TENANTS = ['skara', 'lidkoping', 'gotene'] as const;

/** "7B (group-id)" as search() lists a class → its id and its display name. */
const classOf = (label: string) => {
  const match = /^(.*) \(([^)]+)\)$/.exec(label);
  return match ? { name: match[1], id: match[2] } : undefined;
};

export class SchoolDayScenario {
  constructor(
    private readonly mutations: MutateRegisterService,
    private readonly store: RegisterStore,
    private readonly random: () => number = Math.random,
  ) {}

  private pick<T>(items: T[]): T | undefined {
    return items.length ? items[Math.floor(this.random() * items.length)] : undefined;
  }

  /**
   * Living, unprotected pupils in a class with an enrolment still open after today (the ones a demo
   * may touch; a pupil who left today is still in the class until the day ends).
   */
  private pupils(tenant: string, except: Set<string>): PupilRow[] {
    const persons = this.store.register(tenant)!.docs.persons;
    const on = new Date().toISOString().slice(0, 10);
    const enrolled = (id: string) =>
      ((persons.get(id)?.enrolments as { endDate?: string; cancelled?: boolean }[] | undefined) ?? []).some(
        (e) => !e.cancelled && (e.endDate === undefined || e.endDate > on),
      );
    return (
      this.mutations.search(tenant, { kind: 'pupil', limit: Number.MAX_SAFE_INTEGER }) as PupilRow[]
    ).filter(
      (p) =>
        p.personStatus !== 'Avliden' &&
        (p.securityMarking ?? 'Ingen') === 'Ingen' &&
        p.classes.length > 0 &&
        !except.has(p.id) &&
        enrolled(p.id),
    );
  }

  private needPupil(tenant: string, except: Set<string>): PupilRow {
    const pupil = this.pick(this.pupils(tenant, except));
    if (!pupil)
      throw new ApiError(409, 'NO_PUPIL', `tenant ${tenant} has no living, unprotected pupil in a class`);
    return pupil;
  }

  async run(): Promise<SchoolDayChange[]> {
    const missing = SCHOOL_DAY_TENANTS.filter((t) => !this.store.register(t));
    if (missing.length)
      throw new ApiError(
        404,
        'UNKNOWN_TENANT',
        `the school-day scenario needs the tenants ${SCHOOL_DAY_TENANTS.join(', ')}; missing: ${missing.join(', ')}`,
      );
    // Refuse before changing anything rather than leave half a school day behind.
    for (const tenant of ['lidkoping', 'gotene', 'skara']) this.needPupil(tenant, new Set());
    const changes: SchoolDayChange[] = [];
    const touched = new Set<string>();

    const givenName = this.pick(GIVEN)!;
    const familyName = this.pick(FAMILY)!;
    const enrolled = await this.mutations.enrol('skara', {
      givenName,
      familyName,
      schoolYear: 1 + Math.floor(this.random() * 8),
    });
    const newId = enrolled.personId as string;
    touched.add(newId);
    changes.push({
      kind: 'enrolled',
      tenant: 'skara',
      personId: newId,
      name: `${givenName} ${familyName}`,
      description: `new pupil in Skara: ${givenName} ${familyName}`,
    });

    const switcher = this.needPupil('lidkoping', touched);
    touched.add(switcher.id);
    const from = classOf(switcher.classes[0])!;
    const register = this.store.register('lidkoping')!;
    const classes = register.sorted('groups').filter((g) => g.groupType === 'Klass' && g.id !== from.id);
    const unitOf = (id: string) =>
      (register.docs.groups.get(id)?.organisation as { id?: string } | undefined)?.id;
    const target =
      this.pick(classes.filter((g) => (g.organisation as { id?: string }).id === unitOf(from.id))) ??
      this.pick(classes);
    if (!target)
      throw new ApiError(409, 'NO_CLASS', 'tenant lidkoping has no other class to move a pupil to');
    await this.mutations.changeClass('lidkoping', switcher.id, { classId: target.id });
    changes.push({
      kind: 'class-changed',
      tenant: 'lidkoping',
      personId: switcher.id,
      name: switcher.name,
      fromClass: from.name,
      toClass: String(target.displayName),
      description: `class change in Lidköping: ${switcher.name}, ${from.name} → ${String(target.displayName)}`,
    });

    const leaver = this.needPupil('gotene', touched);
    touched.add(leaver.id);
    await this.mutations.leave('gotene', leaver.id, {});
    changes.push({
      kind: 'left',
      tenant: 'gotene',
      personId: leaver.id,
      name: leaver.name,
      description: `leaver in Götene: ${leaver.name} (enrolment ends today)`,
    });

    const mover = this.needPupil('skara', touched);
    const moved = await this.mutations.move('skara', mover.id, { toTenant: 'lidkoping' });
    changes.push({
      kind: 'moved',
      tenant: 'skara',
      personId: mover.id,
      name: mover.name,
      toTenant: 'lidkoping',
      toPersonId: moved.toPersonId as string,
      description: `move from Skara to Lidköping: ${mover.name}`,
    });
    return changes;
  }
}
