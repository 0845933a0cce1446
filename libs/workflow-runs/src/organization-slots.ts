/**
 * Run work in flight per organization, on this instance: at most `limit` messages of one
 * organization execute at a time. A message past the limit is not waited for in memory (it would
 * still hold a prefetch slot, and with it everyone's queue): the caller defers it instead.
 */
export class OrganizationSlots {
  private readonly running = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** A release function when a slot was free, or null when the organization is at its limit. */
  tryTake(organizationId: string): (() => void) | null {
    const running = this.running.get(organizationId) ?? 0;
    if (running >= this.limit) return null;
    this.running.set(organizationId, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(organizationId) ?? 1) - 1;
      if (left > 0) this.running.set(organizationId, left);
      else this.running.delete(organizationId);
    };
  }

  /** Messages of the organization executing now. */
  inFlight(organizationId: string): number {
    return this.running.get(organizationId) ?? 0;
  }
}
