import { DocumentWriteLock } from './document-write-lock';

describe('DocumentWriteLock', () => {
  it('runs writes to one document one at a time, in call order', async () => {
    const lock = new DocumentWriteLock();
    const log: string[] = [];
    const write = (name: string, ms: number) => async () => {
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      lock.run('runs', 'a', write('1', 20)),
      lock.run('runs', 'a', write('2', 1)),
      lock.run('runs', 'a', write('3', 1)),
    ]);
    expect(results).toEqual(['1', '2', '3']);
    expect(log).toEqual(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
  });

  it('lets writes to different documents overlap', async () => {
    const lock = new DocumentWriteLock();
    const log: string[] = [];
    await Promise.all([
      lock.run('runs', 'a', async () => {
        log.push('a start');
        await new Promise((resolve) => setTimeout(resolve, 20));
        log.push('a end');
      }),
      lock.run('runs', 'b', async () => {
        log.push('b start');
        log.push('b end');
      }),
    ]);
    expect(log).toEqual(['a start', 'b start', 'b end', 'a end']);
  });

  it('keeps going after a failed write', async () => {
    const lock = new DocumentWriteLock();
    await expect(lock.run('runs', 'a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('runs', 'a', async () => 'next')).resolves.toBe('next');
  });
});
