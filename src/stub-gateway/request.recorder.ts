import type { IncomingMessage } from 'node:http';
import { flattenHeaders } from './http.util';
import type { RecordedRequest } from './stub-gateway.types';

/** Keeps the last `capacity` gateway requests, oldest first. */
export class RequestRecorder {
  readonly entries: RecordedRequest[] = [];
  private seq = 0;

  constructor(private readonly capacity: number) {}

  /** `body`: the parsed JSON, or the raw text when it is not JSON, or null when empty. */
  start(req: IncomingMessage, path: string, body: unknown): RecordedRequest {
    const entry: RecordedRequest = {
      seq: ++this.seq,
      method: req.method ?? 'GET',
      path,
      headers: flattenHeaders(req),
      body,
      time: Date.now(),
      status: null,
      outcome: 'pending',
    };
    this.entries.push(entry);
    if (this.entries.length > this.capacity)
      this.entries.splice(0, this.entries.length - this.capacity);
    return entry;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
