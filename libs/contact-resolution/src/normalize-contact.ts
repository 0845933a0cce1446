import { isEmail } from 'class-validator';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { ContactRejectedIdentifier, InlineContact } from '@wfp/contracts';

/** A contact's identifiers in canonical form; null where absent or rejected. */
export interface NormalizedContact {
  externalId: string | null;
  email: string | null;
  phoneNumber: string | null;
  firstName: string | null;
  lastName: string | null;
}

/** An identifier the caller sent that cannot be one (its value is reported, never dropped). */
export type RejectedIdentifier = ContactRejectedIdentifier;

export type NormalizationResult =
  | { ok: true; contact: NormalizedContact; rejected: RejectedIdentifier[] }
  | { ok: false; reason: 'NO_USABLE_IDENTIFIER'; rejected: RejectedIdentifier[] };

function clean(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** Trimmed, lowercased and validated; null when it is not an address. */
export function normalizeEmail(value: string | undefined): string | null {
  const email = clean(value)?.toLowerCase() ?? null;
  return email && isEmail(email) ? email : null;
}

/**
 * E.164 (`+447700900123`) when the value can be a phone number, read with the default region when
 * it has no `+`. "Possible" (a plausible length for its country), not "valid" (a range assigned
 * today): ranges reserved for fiction or newly opened are real numbers to their owners, and a
 * number kept in E.164 loses nothing; null only when it cannot be a phone number at all.
 */
export function normalizePhone(value: string | undefined, defaultRegion: CountryCode): string | null {
  const raw = clean(value);
  if (!raw) return null;
  const phone = parsePhoneNumberFromString(raw, defaultRegion);
  return phone?.isPossible() ? phone.number : null;
}

/**
 * Canonical identifiers of an inline contact. An email or phone number that cannot be one is
 * rejected and reported with its value. A contact needs at least one of a usable email, phone
 * number or external id; otherwise it cannot be resolved (however often retried).
 */
export function normalizeContact(contact: InlineContact, defaultRegion: CountryCode): NormalizationResult {
  const normalized: NormalizedContact = {
    externalId: clean(contact.externalId),
    email: normalizeEmail(contact.email),
    phoneNumber: normalizePhone(contact.phoneNumber, defaultRegion),
    firstName: clean(contact.firstName),
    lastName: clean(contact.lastName),
  };
  const rejected: RejectedIdentifier[] = [];
  const email = clean(contact.email);
  if (email && !normalized.email) rejected.push({ field: 'email', value: email, reason: 'NOT_AN_EMAIL_ADDRESS' });
  const phone = clean(contact.phoneNumber);
  if (phone && !normalized.phoneNumber)
    rejected.push({ field: 'phoneNumber', value: phone, reason: 'NOT_A_PHONE_NUMBER' });
  if (!normalized.externalId && !normalized.email && !normalized.phoneNumber)
    return { ok: false, reason: 'NO_USABLE_IDENTIFIER', rejected };
  return { ok: true, contact: normalized, rejected };
}

/**
 * The keys a profile is found by, in matching order (externalId, then email, then phone), each
 * scoped to the organization. Each is also the `_id` of a key document, so two contacts for the
 * same person cannot create two profiles.
 */
export function profileKeys(organizationId: string, contact: NormalizedContact): string[] {
  return IDENTIFIER_FIELDS.flatMap((field) => {
    const value = contact[field];
    return value ? [profileKeyOf(organizationId, field, value)] : [];
  });
}

/** The identifiers a person is matched by, in matching order, and each one's kind in its key. */
export const IDENTIFIER_FIELDS = ['externalId', 'email', 'phoneNumber'] as const;
export type IdentifierField = (typeof IDENTIFIER_FIELDS)[number];
const KEY_KINDS: Record<IdentifierField, string> = { externalId: 'externalId', email: 'email', phoneNumber: 'phone' };

export function profileKeyOf(organizationId: string, field: IdentifierField, value: string): string {
  return `${organizationId}:${KEY_KINDS[field]}:${value}`;
}
