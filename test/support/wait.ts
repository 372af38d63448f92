import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `check` until it returns true, or throws after `timeoutMs` (generous by default: a
 * loaded machine is slow, but a condition that never holds still fails the test).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await delay(intervalMs);
  }
}
