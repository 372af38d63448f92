/** The shipped model catalogue as the server loads it, so tests name no model themselves. */
import * as path from 'node:path';
import { loadFlagDefinitions } from '../../src/flags/flag-definitions';
import { loadModelCatalogue, type ModelCatalogue } from '../../src/routing/model-catalogue';

const ROOT = path.resolve(__dirname, '../..');

export function shippedCatalogue(): ModelCatalogue {
  const flags = loadFlagDefinitions(path.join(ROOT, 'config/feature_flags'));
  return loadModelCatalogue(path.join(ROOT, 'config/models.yml'), new Set(flags.keys()));
}

/** Every catalogue model as a breaker's `upstream` label: provider/model_name. */
export const upstreamsOf = (cat: ModelCatalogue): string[] =>
  [...cat.models.values()].map((m) => `${m.provider}/${m.name}`);
