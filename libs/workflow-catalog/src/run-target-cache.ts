import { Invalidations } from '@wfp/messaging';

/** What starting a run of a workflow needs to know of it: its state and its latest published version. */
export interface RunTarget {
  workflowId: string;
  organizationId: string;
  status: 'ACTIVE' | 'ARCHIVED';
  externalId: string | null;
  /** The latest published version, or null before the first publish. */
  version: {
    id: string;
    number: number;
    /** The version's declared inputs (`definition.inputs`), which run requests and calls are checked against. */
    inputs: unknown;
  } | null;
}

interface Entry {
  target: RunTarget;
  loadedAt: number;
}

/** Workflows kept; past this the oldest entry goes first. */
const MAX_ENTRIES = 10_000;

/**
 * Run targets in memory, so that accepting a run or a call reads nothing from the store. An entry
 * is dropped when its workflow changes (published, archived): at once on the instance that made
 * the change, through a broadcast on the others (WorkflowChangeNotices), and after `ttlMs` as the
 * safety net for a lost broadcast. Published versions never change, so only the pointer to the
 * latest one and the workflow's status can go stale, for as long as a broadcast takes.
 *
 * A load that started before an invalidation of its workflow (or of everything) is not kept: it
 * may have read the state from before the change.
 */
export class RunTargetCache {
  private readonly entries = new Map<string, Entry>();
  private readonly invalidations = new Invalidations(MAX_ENTRIES);

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The workflow's run target, from memory or from `load` (null when the organization has no such workflow). */
  async get(
    organizationId: string,
    workflowId: string,
    load: () => Promise<RunTarget | null>,
  ): Promise<RunTarget | null> {
    const cached = this.entries.get(workflowId);
    if (cached && this.now() - cached.loadedAt < this.ttlMs) {
      // Another organization's workflow is a plain miss, as it is in the store.
      return cached.target.organizationId === organizationId ? cached.target : null;
    }
    const ticket = this.invalidations.ticket(workflowId);
    const loadedAt = this.now();
    const target = await load();
    if (target && this.invalidations.isCurrent(ticket)) {
      this.entries.delete(workflowId);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(workflowId, { target, loadedAt });
    }
    return target;
  }

  /** The workflow changed: it is read again when next used. */
  invalidate(workflowId: string): void {
    if (this.invalidations.invalidate(workflowId) === 'all') this.entries.clear();
    else this.entries.delete(workflowId);
  }

  /** Changes may have been missed: everything is read again. */
  invalidateAll(): void {
    this.invalidations.invalidateAll();
    this.entries.clear();
  }
}
