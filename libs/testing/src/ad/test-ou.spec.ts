import { dnDepth } from './test-ou';

describe(dnDepth.name, () => {
  it('counts RDNs, not escaped commas', () => {
    expect(dnDepth('OU=a,DC=skola,DC=test')).toBe(3);
    expect(dnDepth('CN=Öberg\\, Åsa,OU=a,DC=test')).toBe(3);
  });

  it('treats a value ending in an escaped backslash as ending there', () => {
    // "CN=back\\" is the value "back\" followed by a separator.
    expect(dnDepth('CN=back\\\\,OU=a,DC=test')).toBe(3);
  });
});
