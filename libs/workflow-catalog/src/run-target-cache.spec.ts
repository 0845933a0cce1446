import { RunTargetCache, type RunTarget } from './run-target-cache';

function target(version: number, organizationId = 'org_1'): RunTarget {
  return {
    workflowId: 'wf_1',
    organizationId,
    status: 'ACTIVE',
    externalId: null,
    version: { id: `wfv_${version}`, number: version, inputs: null },
  };
}

describe('RunTargetCache', () => {
  it('loads once, then answers from memory until the entry expires', async () => {
    let now = 0;
    const cache = new RunTargetCache(1000, () => now);
    const load = jest.fn(async () => target(1));
    expect(await cache.get('org_1', 'wf_1', load)).toEqual(target(1));
    now = 999;
    expect(await cache.get('org_1', 'wf_1', load)).toEqual(target(1));
    expect(load).toHaveBeenCalledTimes(1);
    now = 1000;
    await cache.get('org_1', 'wf_1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("answers another organization's workflow as missing, and keeps no miss", async () => {
    const cache = new RunTargetCache(1000);
    await cache.get('org_1', 'wf_1', async () => target(1));
    expect(await cache.get('org_2', 'wf_1', async () => null)).toBeNull();
    const load = jest.fn(async () => null);
    await cache.get('org_1', 'wf_missing', load);
    await cache.get('org_1', 'wf_missing', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('reads a workflow again after it changed', async () => {
    const cache = new RunTargetCache(60_000);
    await cache.get('org_1', 'wf_1', async () => target(1));
    cache.invalidate('wf_1');
    expect(await cache.get('org_1', 'wf_1', async () => target(2))).toEqual(target(2));
    cache.invalidateAll();
    expect(await cache.get('org_1', 'wf_1', async () => target(3))).toEqual(target(3));
  });

  it('does not keep a load that started before the workflow changed', async () => {
    const cache = new RunTargetCache(60_000);
    let finish!: (value: RunTarget) => void;
    const slow = cache.get('org_1', 'wf_1', () => new Promise<RunTarget>((resolve) => (finish = resolve)));
    cache.invalidate('wf_1'); // version 2 published while version 1 was being read
    finish(target(1));
    expect(await slow).toEqual(target(1)); // that caller asked before the publish
    expect(await cache.get('org_1', 'wf_1', async () => target(2))).toEqual(target(2));
  });

  it('does not keep a load that started before everything was dropped', async () => {
    const cache = new RunTargetCache(60_000);
    let finish!: (value: RunTarget) => void;
    const slow = cache.get('org_1', 'wf_1', () => new Promise<RunTarget>((resolve) => (finish = resolve)));
    cache.invalidateAll();
    finish(target(1));
    await slow;
    expect(await cache.get('org_1', 'wf_1', async () => target(2))).toEqual(target(2));
  });
});
