import { z } from 'zod';
import type { StubApi } from './stub-api';

export const faultSpecSchema = z
  .object({
    /** Match only requests naming (or resolving to) this provider. */
    provider: z.string().min(1).optional(),
    /** Match only requests naming (or resolving to) this model name. */
    model: z.string().min(1).optional(),
    /** Match only this API; default `any`. */
    api: z.enum(['v2', 'v3', 'v4', 'any']).optional(),
    /** Answer with this status instead of a completion. */
    status: z.number().int().min(100).max(599).optional(),
    /** Body for `status`; default depends on the status (503: `{"detail":"Inference failed"}`). */
    body: z.record(z.string(), z.unknown()).optional(),
    /** Delay before answering (or before applying `status`), in ms. */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Never answer until the client gives up or the stub closes. */
    hang: z.boolean().optional(),
    /** Share of matching requests that fail, deterministic (0.3 = 3 of every 10). Default 1. */
    fraction: z.number().min(0).max(1).optional(),
    /** `Retry-After` seconds (sent with any status; 429 defaults to 1). */
    retryAfter: z.number().int().min(0).optional(),
    /** Destroy the socket before sending headers. */
    closeConnection: z.boolean().optional(),
    /**
     * Send the headers and this many pieces of the answer (0: headers only; an SSE answer's
     * `stream_start` is its first piece), then go silent with the response open, as a gateway
     * whose model stalls mid-answer. Non-streamed answers stall right after their headers.
     */
    stallAfterChunks: z.number().int().min(0).max(1000).optional(),
  })
  .strict();

export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface Fault extends FaultSpec {
  id: string;
  /** Matching requests seen so far. */
  matched: number;
  /** Times the fault was applied. */
  applied: number;
}

export interface FaultTarget {
  api: StubApi;
  /** The model the gateway serves the request with (`gitlab` + a catalogue identifier, ...). */
  provider: string;
  model: string;
  /** The model the request named, when it named one (v2 model_provider/model_name). */
  requested?: { provider: string; model: string };
}

/** Default bodies the AIGW sends for these statuses. */
export function defaultFaultBody(status: number): Record<string, unknown> {
  switch (status) {
    case 503:
      return { detail: 'Inference failed' };
    case 429:
      return { detail: 'Too many requests' };
    case 500:
      return { detail: 'Internal Server Error' };
    case 504:
      return { detail: 'Gateway Timeout' };
    default:
      return { detail: `Stub fault ${status}` };
  }
}

/**
 * Faults injected into the gateway. The first registered fault that matches a request and whose
 * fraction counter fires is applied.
 */
export class FaultRegistry {
  private readonly faults: Fault[] = [];
  private nextId = 1;

  /** Validates and registers a fault; returns its id. Throws a ZodError on a bad spec. */
  add(spec: FaultSpec): string {
    const parsed = faultSpecSchema.parse(spec);
    const id = `f${this.nextId++}`;
    this.faults.push({ ...parsed, id, matched: 0, applied: 0 });
    return id;
  }

  remove(id: string): boolean {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.faults.splice(i, 1);
    return true;
  }

  clear(): void {
    this.faults.length = 0;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  get size(): number {
    return this.faults.length;
  }

  /** Finds the fault to apply to a request, advancing the matching faults' counters. */
  pick(target: FaultTarget): Fault | undefined {
    for (const f of this.faults) {
      if (!matches(f, target)) continue;
      const n = f.matched++;
      const fraction = f.fraction ?? 1;
      // Fires when the running count of failures due by now increases: exact over any window.
      const fires = Math.floor((n + 1) * fraction + 1e-9) > Math.floor(n * fraction + 1e-9);
      if (fires) {
        f.applied++;
        return { ...f };
      }
    }
    return undefined;
  }
}

function matches(f: Fault, t: FaultTarget): boolean {
  if (f.api && f.api !== 'any' && f.api !== t.api) return false;
  const fits = (m: { provider: string; model: string }) =>
    (!f.provider || f.provider === m.provider) && (!f.model || f.model === m.model);
  return fits(t) || (t.requested !== undefined && fits(t.requested));
}
