import { normalizeContact, normalizeEmail, normalizePhone, profileKeys } from './normalize-contact';

describe('normalizeEmail', () => {
  it('trims and lowercases valid addresses', () => {
    expect(normalizeEmail('  Ada.Lovelace+Jobs@Example.COM ')).toBe('ada.lovelace+jobs@example.com');
  });

  it.each(['invalid@example', 'no-at-sign', '', '   ', undefined, 'a@b@c.com'])('rejects %p', (value) => {
    expect(normalizeEmail(value)).toBeNull();
  });
});

describe('normalizePhone', () => {
  it('parses international numbers to E.164', () => {
    expect(normalizePhone('+44 7911 123456', 'GB')).toBe('+447911123456');
    expect(normalizePhone('+1 (415) 555-2671', 'GB')).toBe('+14155552671');
  });

  it('reads national numbers with the configured default region', () => {
    expect(normalizePhone('07911 123456', 'GB')).toBe('+447911123456');
    expect(normalizePhone('(415) 555-2671', 'US')).toBe('+14155552671');
  });

  it('keeps numbers that are possible though not valid today, e.g. the UK range reserved for drama', () => {
    // libphonenumber calls +44 7700 900xxx "not valid" (unassigned) but possible: a real number to its user.
    expect(normalizePhone('+44 7700 900123', 'GB')).toBe('+447700900123');
    expect(normalizePhone('07700 900123', 'GB')).toBe('+447700900123');
  });

  it.each(['123', 'not a number', '+44 1', '', '+44 7700 900123 999 999'])('rejects %p', (value) => {
    expect(normalizePhone(value, 'GB')).toBeNull();
  });
});

describe('normalizeContact', () => {
  it('keeps what is usable and reports what is not, with its value', () => {
    expect(normalizeContact({ email: 'bad@', phoneNumber: '07911123456', firstName: ' Ada ' }, 'GB')).toEqual({
      ok: true,
      contact: { externalId: null, email: null, phoneNumber: '+447911123456', firstName: 'Ada', lastName: null },
      rejected: [{ field: 'email', value: 'bad@', reason: 'NOT_AN_EMAIL_ADDRESS' }],
    });
    expect(normalizeContact({ email: 'ada@example.com', phoneNumber: 'call me' }, 'GB')).toMatchObject({
      ok: true,
      contact: { email: 'ada@example.com', phoneNumber: null },
      rejected: [{ field: 'phoneNumber', value: 'call me', reason: 'NOT_A_PHONE_NUMBER' }],
    });
  });

  it('accepts an external id alone', () => {
    expect(normalizeContact({ externalId: ' ats_42 ' }, 'GB')).toMatchObject({
      ok: true,
      contact: { externalId: 'ats_42' },
    });
  });

  it('fails a contact without any usable identifier', () => {
    expect(normalizeContact({ email: 'invalid@example', phoneNumber: '12', firstName: 'Ada' }, 'GB')).toEqual({
      ok: false,
      reason: 'NO_USABLE_IDENTIFIER',
      rejected: [
        { field: 'email', value: 'invalid@example', reason: 'NOT_AN_EMAIL_ADDRESS' },
        { field: 'phoneNumber', value: '12', reason: 'NOT_A_PHONE_NUMBER' },
      ],
    });
    expect(normalizeContact({}, 'GB')).toEqual({ ok: false, reason: 'NO_USABLE_IDENTIFIER', rejected: [] });
  });
});

describe('profileKeys', () => {
  it('lists the organization-scoped keys in matching order', () => {
    expect(
      profileKeys('org_1', {
        externalId: 'ats_42',
        email: 'a@b.co',
        phoneNumber: '+447700900123',
        firstName: null,
        lastName: null,
      }),
    ).toEqual(['org_1:externalId:ats_42', 'org_1:email:a@b.co', 'org_1:phone:+447700900123']);
  });
});
