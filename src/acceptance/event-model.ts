import type { ModelCatalogue } from '../routing/model-catalogue';

/** `vertex-ai` and `vertex_ai` are one provider (v2 names vs the gateway's LiteLLM engines). */
const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');

/**
 * The catalogue models an event's `model_name` / `model_engine` can mean: the gateway answers
 * with its identifier (`codestral_2508_vertex`) or the provider's model name (`codestral-2508`,
 * shared by several providers: the engine tells them apart). `all` also holds the name itself,
 * which is what the ledger keeps for a selected model outside the catalogue.
 */
export function candidateModels(
  cat: ModelCatalogue,
  name: string,
  engine: string | undefined,
): { keys: string[]; all: ReadonlySet<string> } {
  const models = [...cat.models.values()];
  let keys = models.filter((m) => m.key === name || m.gitlabIdentifier === name).map((m) => m.key);
  if (keys.length === 0) {
    const byName = models.filter((m) => m.name === name);
    const byEngine = engine ? byName.filter((m) => norm(m.provider) === norm(engine)) : [];
    keys = (byEngine.length > 0 ? byEngine : byName).map((m) => m.key);
  }
  return { keys, all: new Set([...keys, name]) };
}

/** A model name we never served, kept as the event said it, within bounds. */
export function sanitizedModelName(name: string | undefined): string {
  return (name ?? '').replace(/[^\w.:@/-]/g, '').slice(0, 64);
}
