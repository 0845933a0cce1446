import { parseIsoDate } from './iso-date';

describe('parseIsoDate', () => {
  it.each([
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['2024-05-01T10:30', Date.UTC(2024, 4, 1, 10, 30)],
    ['2024-05-01T10:30:15Z', Date.UTC(2024, 4, 1, 10, 30, 15)],
    ['2024-05-01T10:30:15.5Z', Date.UTC(2024, 4, 1, 10, 30, 15, 500)],
    ['2024-05-01T10:30:15.123456789Z', Date.UTC(2024, 4, 1, 10, 30, 15, 123)],
    ['2024-05-01T10:30:15+02:00', Date.UTC(2024, 4, 1, 8, 30, 15)],
    ['2024-05-01T10:30:15-0130', Date.UTC(2024, 4, 1, 12, 0, 15)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    // Years below 100 stay as written (Date.UTC would turn 50 into 1950).
    ['0050-01-01', Date.parse('0050-01-01T00:00:00.000Z')],
  ])('parses %s', (text, expected) => {
    expect(parseIsoDate(text)).toBe(expected);
  });

  it('reads a date-time without an offset as UTC', () => {
    expect(parseIsoDate('2024-05-01T00:00:00')).toBe(Date.UTC(2024, 4, 1));
  });

  it.each([
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-04-31',
    '2024-05-01T24:00',
    '2024-05-01T10:60',
    '2024-05-01T10:00:00+24:00',
    '2024-5-1',
    '05/01/2024',
    'May 1, 2024',
    '1714557600000',
    '',
    '2024-05-01 10:00',
  ])('rejects %p', (text) => {
    expect(parseIsoDate(text)).toBeNull();
  });

  it.each([20240501, null, undefined, new Date()])('rejects the non-string %p', (value) => {
    expect(parseIsoDate(value)).toBeNull();
  });
});
