import fc from 'fast-check';
import { normalizeAccountName } from './claim-account.service';
import { ClaimKeys } from './claim-keys';

describe(ClaimKeys.name, () => {
  const keys = new ClaimKeys('a-test-secret-0123456789');

  it("accepts a session's own CSRF token only", () => {
    const session = keys.newToken();
    expect(keys.csrfMatches(session, keys.csrfToken(session))).toBe(true);
    expect(keys.csrfMatches(keys.newToken(), keys.csrfToken(session))).toBe(false);
    expect(keys.csrfMatches(undefined, keys.csrfToken(session))).toBe(false);
    expect(keys.csrfMatches(session, undefined)).toBe(false);
    expect(keys.csrfMatches(session, ['x'])).toBe(false);
    expect(new ClaimKeys('another-secret-0123456789').csrfMatches(session, keys.csrfToken(session))).toBe(
      false,
    );
  });

  it('keeps purposes apart: the same value hashes differently as IP, account, session and ticket', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(
          new Set([keys.ipKey(value), keys.accountKey(value), keys.sessionKey(value), keys.ticketKey(value)])
            .size,
        ).toBe(4);
      }),
    );
  });
});

describe('normalizeAccountName', () => {
  it('reads a sAMAccountName, a UPN or DOMAIN\\name the same way', () => {
    for (const typed of ['tove01', ' TOVE01 ', 'tove01@elev.skara.se', 'SKOLA\\Tove01'])
      expect(normalizeAccountName(typed)).toBe('tove01');
  });
});
