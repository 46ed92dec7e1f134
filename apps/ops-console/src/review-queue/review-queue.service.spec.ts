import { randomUUID } from 'node:crypto';
import { parseResolution, ReviewError } from './review-queue.service';
import { toCandidates } from './reviews.projection';

describe(parseResolution.name, () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const refused = (input: Parameters<typeof parseResolution>[0]) => {
    try {
      parseResolution(input, [a, b]);
    } catch (error) {
      expect(error).toBeInstanceOf(ReviewError);
      return (error as ReviewError).message;
    }
    throw new Error('accepted');
  };

  it('accepts link with a candidate to keep, and keep-separate without one', () => {
    expect(
      parseResolution(
        { decision: 'link', keepIdentityId: b, comment: ' same pupil, typo in the new record ' },
        [a, b],
      ),
    ).toEqual({ decision: 'link', keepIdentityId: b, comment: 'same pupil, typo in the new record' });
    expect(parseResolution({ decision: 'keep-separate', comment: 'twins' }, [a, b])).toEqual({
      decision: 'keep-separate',
      comment: 'twins',
    });
  });

  it('names the bad field', () => {
    expect(refused({ decision: 'merge', comment: 'x' })).toMatch(
      /^decision: must be 'link' or 'keep-separate'/,
    );
    expect(refused({ decision: 'link', keepIdentityId: a, comment: '   ' })).toMatch(/^comment: required/);
    expect(refused({ decision: 'link', keepIdentityId: a })).toMatch(/^comment: required/);
    expect(refused({ decision: 'link', comment: 'x' })).toMatch(/^keepIdentityId: pick/);
    expect(refused({ decision: 'link', keepIdentityId: randomUUID(), comment: 'x' })).toMatch(
      /^keepIdentityId: pick/,
    );
    expect(refused({ decision: 'keep-separate', keepIdentityId: a, comment: 'x' })).toMatch(
      /^keepIdentityId: only for decision 'link'/,
    );
  });
});

describe(toCandidates.name, () => {
  it('keeps ids and match reasons only, and drops what has no id', () => {
    const id = randomUUID();
    expect(
      toCandidates([
        { identityId: id, matchedOn: ['same civic number', 7], civicNumber: '201001011234' },
        { matchedOn: ['x'] },
        null,
      ]),
    ).toEqual([{ identityId: id, matchedOn: ['same civic number'] }]);
    expect(toCandidates('nope')).toEqual([]);
  });
});
