// objectGUID: 16 bytes on the wire; AD writes its string form with the first three fields
// little-endian ({33221100-5544-7766-8899-aabbccddeeff}). We store the string form and convert in
// exactly these two functions.

/** The canonical lower-case string form of a binary objectGUID. */
export function guidToString(guid: Buffer): string {
  if (guid.length !== 16) throw new Error(`objectGUID must be 16 bytes, got ${guid.length}`);
  const h = (from: number, to: number, reverse: boolean) => {
    const part = Buffer.from(guid.subarray(from, to));
    if (reverse) part.reverse();
    return part.toString('hex');
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** The 16 bytes of an objectGUID from its string form (with or without braces). */
export function guidToBuffer(guid: string): Buffer {
  const m = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(guid);
  if (!m) throw new Error(`not a GUID: ${JSON.stringify(guid)}`);
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(m[1]!), le(m[2]!), le(m[3]!), Buffer.from(m[4]!, 'hex'), Buffer.from(m[5]!, 'hex')]);
}

/** The `<GUID=…>` base DN AD accepts to address an object by objectGUID wherever it lives. */
export function guidBaseDn(guid: string | Buffer): string {
  const text = typeof guid === 'string' ? guidToString(guidToBuffer(guid)) : guidToString(guid);
  return `<GUID=${text}>`;
}
