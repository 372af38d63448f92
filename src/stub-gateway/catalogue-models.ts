import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import type { ModelSpec } from './model-catalog.constants';

/**
 * The models a Switchboard model catalogue (config/models.yml) lists, for the stub to accept.
 * Only `models[].provider` / `name` are read: the stub needs to know a model exists, not how
 * Switchboard routes to it, so a catalogue the service would refuse still yields its models.
 * A file that cannot be read or parsed throws with the file name (a stub told to use a file
 * should not silently answer 422 for every model in it).
 */
export function modelsFromCatalogueFile(file: string): ModelSpec[] {
  let raw: unknown;
  try {
    raw = yaml.load(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read the model catalogue: ${(err as Error).message}`);
  }
  const models = (raw as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return [];
  const out: ModelSpec[] = [];
  for (const m of models as unknown[]) {
    if (m === null || typeof m !== 'object') continue;
    const { provider, name } = m as { provider?: unknown; name?: unknown };
    if (typeof provider === 'string' && typeof name === 'string') out.push({ provider, name });
  }
  return out;
}
