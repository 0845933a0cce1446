import { onlyDuplicateKeys } from './duplicate-keys';

describe('onlyDuplicateKeys', () => {
  it('swallows a bulk write error whose every failure is a duplicate key', () => {
    expect(() => onlyDuplicateKeys({ code: 11000, writeErrors: [{ code: 11000 }, { code: 11000 }] })).not.toThrow();
    expect(() => onlyDuplicateKeys({ code: 11000 })).not.toThrow();
  });

  it('rethrows anything else', () => {
    const mixed = { code: 11000, writeErrors: [{ code: 11000 }, { code: 121 }] };
    expect(() => onlyDuplicateKeys(mixed)).toThrow();
    const network = new Error('connection closed');
    expect(() => onlyDuplicateKeys(network)).toThrow(network);
  });
});
