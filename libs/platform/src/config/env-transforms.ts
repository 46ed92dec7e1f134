/**
 * Transforms for env-var config classes. They read the raw string (`obj[key]`): loadConfig's
 * implicit conversion has already turned "false" into `true` by the time `value` arrives.
 */
export function envFlag({ obj, key }: { obj: Record<string, unknown>; key: string }): unknown {
  const raw = obj[key];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  // Anything else fails @IsBoolean, which names the key.
  return raw;
}

export function envInteger({ obj, key }: { obj: Record<string, unknown>; key: string }): unknown {
  const raw = obj[key];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'number') return raw;
  return /^-?\d+$/.test(String(raw).trim()) ? Number(raw) : raw;
}
