// Pacing for --rate: a token bucket that answers "how long until this event may go" instead of
// polling, so the caller sleeps once per wait. Pure: the clock is passed in.

export class TokenBucket {
  private tokens: number;
  private updatedMs: number;

  /**
   * @param ratePerSecond tokens added per second (> 0)
   * @param burst the most tokens held at once; the bucket starts full
   * @param now the clock, in milliseconds
   */
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
    this.tokens = burst;
    this.updatedMs = now();
  }

  /**
   * Takes `n` tokens, going into debt if there are not enough, and returns how many milliseconds
   * to wait before acting on them (0 when they were available). Reservations made while in debt
   * queue behind it, so callers that honour every wait keep to the rate.
   */
  take(n = 1): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedMs) * this.ratePerSecond) / 1000);
    this.updatedMs = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }
}
