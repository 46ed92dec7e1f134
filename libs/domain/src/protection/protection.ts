/**
 * Protected identity: SS 12000 securityMarking other than "Ingen" on the Person, or on ANY
 * reference to that person (an enrolment's, a group membership's, a responsible's), means the
 * person's whereabouts are confidential. Unknown markings count as protected: failing closed is
 * the only safe default for someone with skyddad folkbokföring.
 */
export type SecurityMarking = 'Ingen' | 'Sekretessmarkering' | 'Skyddad folkbokföring';

export interface Protection {
  protected: boolean;
  /** The strongest marking seen; unknown markings are reported as Skyddad folkbokföring. */
  marking: SecurityMarking;
}

const RANK: Record<SecurityMarking, number> = { Ingen: 0, Sekretessmarkering: 1, 'Skyddad folkbokföring': 2 };

export function toSecurityMarking(raw: string | null | undefined): SecurityMarking {
  if (raw == null) return 'Ingen';
  const value = String(raw).normalize('NFC').trim();
  if (value === '' || value.toLowerCase() === 'ingen') return 'Ingen';
  if (value.toLowerCase() === 'sekretessmarkering') return 'Sekretessmarkering';
  return 'Skyddad folkbokföring';
}

/** Combines the person's own marking with the markings on every reference to the person. */
export function deriveProtection(markings: Iterable<string | null | undefined>): Protection {
  let marking: SecurityMarking = 'Ingen';
  for (const raw of markings) {
    const next = toSecurityMarking(raw);
    if (RANK[next] > RANK[marking]) marking = next;
  }
  return { protected: marking !== 'Ingen', marking };
}
