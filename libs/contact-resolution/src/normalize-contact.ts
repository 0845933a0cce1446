import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { InlineContact } from '@wfp/contracts';

/** A contact's identifiers in canonical form; null where absent or invalid. */
export interface NormalizedContact {
  externalId: string | null;
  email: string | null;
  phoneNumber: string | null;
  firstName: string | null;
  lastName: string | null;
}

export type NormalizationResult =
  { ok: true; contact: NormalizedContact } | { ok: false; reason: 'no-usable-identifier' };

function clean(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** Trimmed, lowercased and validated; null when it is not an address. */
export function normalizeEmail(value: string | undefined): string | null {
  const email = clean(value)?.toLowerCase() ?? null;
  return email && isEmail(email) ? email : null;
}

/** E.164 (`+447700900123`) when the number is valid, read with the default region when it has no `+`. */
export function normalizePhone(value: string | undefined, defaultRegion: CountryCode): string | null {
  const raw = clean(value);
  if (!raw) return null;
  const phone = parsePhoneNumberFromString(raw, defaultRegion);
  return phone?.isValid() ? phone.number : null;
}

/**
 * Canonical identifiers of an inline contact. A contact needs at least one of a valid email, a
 * valid phone number or an external id; otherwise it cannot be resolved (however often retried).
 */
export function normalizeContact(contact: InlineContact, defaultRegion: CountryCode): NormalizationResult {
  const normalized: NormalizedContact = {
    externalId: clean(contact.externalId),
    email: normalizeEmail(contact.email),
    phoneNumber: normalizePhone(contact.phoneNumber, defaultRegion),
    firstName: clean(contact.firstName),
    lastName: clean(contact.lastName),
  };
  if (!normalized.externalId && !normalized.email && !normalized.phoneNumber)
    return { ok: false, reason: 'no-usable-identifier' };
  return { ok: true, contact: normalized };
}

/**
 * The keys a profile is found by, in matching order (externalId, then email, then phone), each
 * scoped to the organization. Each is also the `_id` of a key document, so two contacts for the
 * same person cannot create two profiles.
 */
export function profileKeys(organizationId: string, contact: NormalizedContact): string[] {
  const keys: string[] = [];
  if (contact.externalId) keys.push(`${organizationId}:externalId:${contact.externalId}`);
  if (contact.email) keys.push(`${organizationId}:email:${contact.email}`);
  if (contact.phoneNumber) keys.push(`${organizationId}:phone:${contact.phoneNumber}`);
  return keys;
}
