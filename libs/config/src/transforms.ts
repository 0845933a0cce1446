import { Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';

/** Parses an integer variable; a non-numeric value stays a string so validation names it. */
export const ToInt = () =>
  Transform(({ value }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value));

/** Parses `true/false/1/0/yes/no`; anything else stays a string so validation names it. */
export const ToBoolean = () =>
  Transform(({ value }) => {
    if (typeof value !== 'string') return value;
    const normalized = value.trim().toLowerCase();
    if (['true', '1', 'yes'].includes(normalized)) return true;
    if (['false', '0', 'no'].includes(normalized)) return false;
    return value;
  });

/** Parses a comma-separated list of integers, e.g. `1000,5000,30000`; an empty value is an empty list. */
export const ToIntList = () =>
  Transform(({ value }) => {
    if (typeof value !== 'string') return value;
    if (value.trim() === '') return [];
    const items = value.split(',').map((item) => item.trim());
    return items.every((item) => /^\d+$/.test(item)) ? items.map(Number) : value;
  });

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `0,5s,5m,2h` (a bare number is milliseconds) into milliseconds; anything else stays a string. */
export const ToDurationListMs = () =>
  Transform(({ value }) => {
    if (typeof value !== 'string') return value;
    const items = value.split(',').map((item) => /^(\d+)(ms|s|m|h)?$/.exec(item.trim()));
    return items.every(Boolean) ? items.map((match) => Number(match![1]) * DURATION_UNIT_MS[match![2] ?? 'ms']) : value;
  });

/**
 * A setting that weakens a safety rule for development and tests (a switch such as
 * ALLOW_LOOPBACK_TARGETS, or a list of exceptions such as LOOPBACK_TARGET_PORTS): refused when
 * NODE_ENV is production, so a copied development setting cannot reach production.
 */
export const DevelopmentOnly = (variable: string) =>
  ValidateBy({
    name: 'developmentOnly',
    validator: {
      validate: (value, args) =>
        !(
          (value === true || (Array.isArray(value) && value.length > 0)) &&
          (args?.object as { NODE_ENV?: string }).NODE_ENV === 'production'
        ),
      defaultMessage: (args) =>
        Array.isArray(args?.value)
          ? `${variable} must be empty when NODE_ENV is production`
          : `${variable} cannot be true when NODE_ENV is production`,
    },
  });
