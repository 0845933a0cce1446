import { GroupCommit } from './group-commit';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('GroupCommit', () => {
  it('writes a lone caller at once and joins callers that arrive meanwhile into the next write', async () => {
    const writes: number[][] = [];
    const gates: ReturnType<typeof deferred>[] = [];
    const commit = new GroupCommit<number>((items) => {
      writes.push(items);
      const gate = deferred();
      gates.push(gate);
      return gate.promise;
    });
    const first = commit.submit([1]);
    expect(writes).toEqual([[1]]);
    const second = commit.submit([2, 3]);
    const third = commit.submit([4]);
    expect(writes).toHaveLength(1); // waiting for the write in flight

    gates[0].resolve();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([[1], [2, 3, 4]]);
    gates[1].resolve();
    await Promise.all([second, third]);
  });

  it('keeps a caller whole and writes at most maxItems at a time', async () => {
    const writes: number[][] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number>(
      async (items) => {
        writes.push(items);
        if (writes.length === 1) await blocked;
      },
      { maxItems: 3 },
    );
    const all = [commit.submit([0]), commit.submit([1, 2]), commit.submit([3, 4]), commit.submit([5, 6, 7, 8])];
    release();
    await Promise.all(all);
    expect(writes).toEqual([[0], [1, 2], [3, 4], [5, 6, 7, 8]]);
  });

  it('fails every caller of a failed write, and goes on with the next', async () => {
    let fail = true;
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<string>(async (items) => {
      if (items[0] === 'first') return blocked;
      if (fail) throw new Error('store down');
    });
    const first = commit.submit(['first']);
    const a = commit.submit(['a']);
    const b = commit.submit(['b']);
    release();
    await first;
    await expect(a).rejects.toThrow('store down');
    await expect(b).rejects.toThrow('store down');
    fail = false;
    await expect(commit.submit(['c'])).resolves.toBeUndefined();
  });

  it('lingers for more callers before a write unless maxItems are there', async () => {
    jest.useFakeTimers();
    try {
      const writes: number[][] = [];
      const commit = new GroupCommit<number>(
        async (items) => {
          writes.push(items);
        },
        { maxItems: 4, lingerMs: 10 },
      );
      const first = commit.submit([1]);
      const second = commit.submit([2]);
      await jest.advanceTimersByTimeAsync(5);
      expect(writes).toEqual([]);
      const third = commit.submit([3]);
      await jest.advanceTimersByTimeAsync(5);
      await Promise.all([first, second, third]);
      expect(writes).toEqual([[1, 2, 3]]);

      // A full batch does not wait.
      const full = commit.submit([4, 5, 6, 7]);
      await jest.advanceTimersByTimeAsync(0);
      await full;
      expect(writes).toEqual([
        [1, 2, 3],
        [4, 5, 6, 7],
      ]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('resolves an empty submission without writing', async () => {
    const write = jest.fn(async () => undefined);
    await new GroupCommit<number>(write).submit([]);
    expect(write).not.toHaveBeenCalled();
  });
});
