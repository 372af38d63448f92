/** Why a guarded database call did not answer: callers serve cached data on any of them. */
export type DatabaseUnavailableReason = 'down' | 'timeout' | 'error';

export class DatabaseUnavailableError extends Error {
  constructor(
    readonly reason: DatabaseUnavailableReason,
    options?: { cause?: unknown },
  ) {
    super(`database unavailable (${reason})`, options);
    this.name = 'DatabaseUnavailableError';
  }
}
