import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * One scrape of a WORKERS>1 instance covers all its workers. node:cluster hands the scrape's
 * connection to any worker; that worker asks the primary, which collects every worker's
 * registry with prom-client's AggregatorRegistry (counters and histograms summed, gauges by
 * their `aggregator`: no per-pid series) and sends the text back. Which worker answered does
 * not change what the scrape says.
 */
const ASK = 'switchboard:metrics:ask';
const ANSWER = 'switchboard:metrics:answer';
/** Beyond prom-client's own 5 s wait for the workers' answers. */
const ASK_TIMEOUT_MS = 8000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends Ask | Answer>(m: unknown, type: T['type']): m is T =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** Primary: answer each worker's request with the aggregate of every connected worker. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<Ask>(message, ASK)) return;
    const reply = (a: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...a });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: (err as Error).message }),
    );
  });
}

const pending = new Map<number, (a: Answer) => void>();
let nextId = 0;
let listening = false;

/**
 * Worker: the registry prom-client reports to the primary (one app per worker process), and
 * the listener for the primary's answers.
 */
export function joinClusterMetrics(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs prom-client's worker-side responder (idempotent)
  if (listening) return;
  listening = true;
  process.on('message', (message: unknown) => {
    if (!isMessage<Answer>(message, ANSWER)) return;
    pending.get(message.id)?.(message);
  });
}

/** Worker: the whole instance's metrics, from the primary. */
export function scrapeCluster(): Promise<string> {
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => settle({ type: ANSWER, id, error: 'timed out' }),
      ASK_TIMEOUT_MS,
    );
    function settle(a: Answer) {
      clearTimeout(timer);
      pending.delete(id);
      if (a.text !== undefined) resolve(a.text);
      else reject(new Error(`cluster metrics: ${a.error ?? 'no answer'}`));
    }
    pending.set(id, settle);
    try {
      process.send?.({ type: ASK, id } satisfies Ask);
    } catch (err) {
      settle({ type: ANSWER, id, error: (err as Error).message }); // the primary is gone
    }
  });
}
