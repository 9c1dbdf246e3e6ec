/** Small value readers shared by the raw types and the mappers. */

/** A yes/no value (boolean, 0/1, "true"/"evet"/"hayır"…) → boolean; anything else null. */
export function flag(v: unknown): boolean | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v !== 'string') return null;
  const t = v.trim().toLocaleLowerCase('tr');
  if (['true', '1', 'yes', 'y', 'evet', 'opt_in', 'optin', 'opt-in', 'allowed', 'granted', 'onay', 'onaylı', 'izinli', 'active', 'permitted'].includes(t)) return true;
  if (['false', '0', 'no', 'n', 'hayır', 'hayir', 'opt_out', 'optout', 'opt-out', 'denied', 'ret', 'red', 'izinsiz', 'inactive', 'not_permitted'].includes(t)) return false;
  return null;
}

