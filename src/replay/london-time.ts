// UK wall-clock time to an instant. The Online Retail exports write dates in Europe/London local time
// without an offset; events need ISO-8601 with the offset in force then (+00:00 GMT, +01:00 BST).
// The offsets come from the runtime's time-zone data (Intl), so rule changes need no code here.

export interface LocalDateTime {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
  /** 0–23 */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const london = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** True when the fields name a real calendar date and a time of day (leap seconds excluded). */
export function isValidLocal(t: LocalDateTime): boolean {
  const { isInteger } = Number;
  if (!isInteger(t.year) || !isInteger(t.month) || !isInteger(t.day)) return false;
  if (!isInteger(t.hour) || !isInteger(t.minute) || !isInteger(t.second)) return false;
  if (t.year < 1 || t.year > 9999 || t.month < 1 || t.month > 12 || t.day < 1) return false;
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return false;
  const daysInMonth = new Date(Date.UTC(t.year, t.month, 0)).getUTCDate();
  return t.day <= daysInMonth;
}

/** The wall-clock fields read as if they were UTC, in epoch ms. */
function wallAsUtc(t: LocalDateTime): number {
  // Date.UTC reads years 0-99 as 1900-1999: those take the long way.
  if (t.year >= 100) return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  const d = new Date(0);
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, 0);
  return d.getTime();
}

// London's offset changes only on whole UTC hours, so it is remembered per hour; a year is 8,760.
const HOUR_MS = 3_600_000;
const MAX_REMEMBERED_HOURS = 100_000;
const offsetByHour = new Map<number, number>();

/** London's offset from UTC at an instant, in minutes (0 in winter, 60 in summer). */
export function londonOffsetMinutes(epochMs: number): number {
  const hour = Math.floor(epochMs / HOUR_MS);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    if (offsetByHour.size >= MAX_REMEMBERED_HOURS) offsetByHour.clear();
    offset = offsetFromIntl(hour * HOUR_MS);
    offsetByHour.set(hour, offset);
  }
  return offset;
}

function offsetFromIntl(epochMs: number): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of london.formatToParts(whole)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = wallAsUtc({
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  });
  return Math.round((wall - whole) / MINUTE_MS);
}

/**
 * The instant a London wall-clock time denotes. Ambiguity is resolved the way Temporal's
 * 'compatible' mode does: a time in the autumn overlap is the earlier one (still BST), a time in
 * the spring gap is moved forward by the gap (01:30 on the last Sunday of March is 02:30 BST).
 */
export function londonToEpochMs(t: LocalDateTime): number {
  const wall = wallAsUtc(t);
  // Offsets around the time; London changes at most twice a year, so a day either side sees both.
  const before = londonOffsetMinutes(wall - DAY_MS);
  const after = londonOffsetMinutes(wall + DAY_MS);
  // No change of offset within a day either side (all but two days a year): the one fit.
  if (before === after) return wall - before * MINUTE_MS;
  const fits = [...new Set([before, after])]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((instant) => wall - londonOffsetMinutes(instant) * MINUTE_MS === instant);
  // Several fits: the overlap, take the earliest. None: the gap, keep the offset from before it.
  return fits.length > 0 ? Math.min(...fits) : wall - before * MINUTE_MS;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** ISO-8601 with London's offset at that instant, e.g. 2011-06-01T09:15:00+01:00. */
export function epochMsToLondonIso(epochMs: number): string {
  const offset = londonOffsetMinutes(epochMs);
  const local = new Date(Math.floor(epochMs / 1000) * 1000 + offset * MINUTE_MS);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** A London wall-clock time as ISO-8601 with its UTC offset (see londonToEpochMs for DST edges). */
export function londonLocalToIso(t: LocalDateTime): string {
  return epochMsToLondonIso(londonToEpochMs(t));
}
