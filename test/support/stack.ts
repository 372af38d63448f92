import {
  startStubGateway,
  StubGateway,
  type RecordedRequest,
} from '../../src/stub-gateway/stub-gateway';
import type { BootstrapOptions } from '../../src/bootstrap';
import { Factory } from './factories';
import { startTestApp, TestApp } from './test-app';
import type { Backend } from './test-database';

export interface Stack {
  app: TestApp;
  stub: StubGateway;
  f: Factory;
  /** A mark in the stub's request log; `since(mark)` gives what the stub received after it.
   * The log keeps only the last 1,000 requests, so an array index is not a stable mark. */
  mark(): number;
  since(mark: number): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * The service and a stub AI Gateway on loopback. The stub verifies our tokens through the
 * service's published JWKS, exactly as the real gateway would.
 */
export async function startStack(
  opts: {
    backend?: Backend;
    env?: Record<string, string>;
    logDestination?: BootstrapOptions['logDestination'];
  } = {},
): Promise<Stack> {
  let issuer = '';
  const stub = await startStubGateway({
    trustedIssuers: () => [issuer],
    streamChunkDelayMs: 2,
    // Load tests count what the stub saw over seconds of traffic: keep more than a fast service
    // sends in that time (at 1,000 the first failed calls of a 3 s run had already been dropped).
    maxRecordedRequests: 20_000,
  });
  const app = await startTestApp({
    backend: opts.backend,
    env: { AIGW_URL: stub.url, ...opts.env },
    logDestination: opts.logDestination,
  });
  issuer = app.running.config.http.publicUrl;
  return {
    app,
    stub,
    f: new Factory(app.api, app.rootToken),
    mark: () => stub.requests.at(-1)?.seq ?? 0,
    since: (mark) => stub.requests.filter((r) => r.seq > mark),
    async close() {
      await app.close();
      await stub.close();
    },
  };
}

/** A minimal valid IDE completion body. */
export function completionBody(
  over: Record<string, unknown> = {},
  file: Record<string, unknown> = {},
) {
  return {
    current_file: {
      file_name: 'src/main.py',
      content_above_cursor: 'def add(a, b):\n    ',
      content_below_cursor: '\n',
      ...file,
    },
    ...over,
  };
}
