/** Polls `condition` until it returns a value other than undefined/false, or fails after timeoutMs. */
export async function waitFor<T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  {
    timeoutMs = 30_000,
    intervalMs = 50,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}`,
        last === undefined ? undefined : { cause: last },
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
