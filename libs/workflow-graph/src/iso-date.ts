const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses an ISO 8601 date or date-time to epoch milliseconds, or null when it is not one
 * (including impossible dates such as 2024-02-30). A date-time without an offset is read
 * as UTC, so comparisons do not depend on the server's time zone.
 */
export function parseIsoDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = ISO_DATE.exec(value);
  if (match === null) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const numbers = { year: +year, month: +month, day: +day, hour: +hour, minute: +minute, second: +second };
  if (numbers.month < 1 || numbers.month > 12 || numbers.day < 1) return null;
  if (numbers.hour > 23 || numbers.minute > 59 || numbers.second > 59) return null;

  const offsetMinutes = parseOffset(zone);
  if (offsetMinutes === null) return null;

  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(numbers.year, numbers.month - 1, numbers.day);
  if (date.getUTCDate() !== numbers.day) return null;
  date.setUTCHours(numbers.hour, numbers.minute, numbers.second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  return date.getTime() - offsetMinutes * 60_000;
}

function parseOffset(zone: string): number | null {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
