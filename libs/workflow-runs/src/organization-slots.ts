/**
 * Run work in flight per organization, on this instance. An organization always gets up to
 * `share` messages executing at once; beyond that only while the instance has room to spare
 * (fewer than `spareBelow` messages in flight over all organizations), so the rest of the
 * consumer's prefetch is always left to the others. A message that is not admitted is not waited
 * for in memory (it would still hold a prefetch slot): the caller defers it.
 */
export class OrganizationSlots {
  private readonly running = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly share: number,
    private readonly spareBelow: number,
  ) {}

  /** A release function when the message is admitted, or null when it is not. */
  tryTake(organizationId: string): (() => void) | null {
    const running = this.running.get(organizationId) ?? 0;
    if (running >= this.share && this.total >= this.spareBelow) return null;
    this.running.set(organizationId, running + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
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
