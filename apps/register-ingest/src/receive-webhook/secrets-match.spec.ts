import fc from 'fast-check';
import { presentedSecret, secretsMatch } from './secrets-match';

describe(secretsMatch.name, () => {
  it('matches only the exact secret', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (expected, presented) => {
        expect(secretsMatch(presented, expected)).toBe(presented === expected);
      }),
    );
    expect(secretsMatch('s3cret-value', 's3cret-value')).toBe(true);
  });

  it('never matches when no secret is configured', () => {
    expect(secretsMatch('', '')).toBe(false);
    expect(secretsMatch('anything', undefined)).toBe(false);
    expect(secretsMatch(undefined, 'expected')).toBe(false);
  });
});

describe(presentedSecret.name, () => {
  it('reads a bearer token, the X-Webhook-Secret header or the secret query parameter', () => {
    expect(presentedSecret({ authorization: 'Bearer abc' }, {})).toBe('abc');
    expect(presentedSecret({ 'x-webhook-secret': 'def' }, {})).toBe('def');
    expect(presentedSecret({}, { secret: 'ghi' })).toBe('ghi');
    expect(presentedSecret({}, {})).toBeUndefined();
  });
});
