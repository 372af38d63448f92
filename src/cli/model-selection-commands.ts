import type { ApiClient } from './api-client';
import { Command, required, UsageError } from './args';

/** The features a model can be chosen for (the server answers 400 naming them for another). */
const feature = (o: Record<string, string>) => encodeURIComponent(required(o, 'feature'));
/** A top-level group by id or full path (the API takes either, as GitLab's does). */
const group = (ref: string) => encodeURIComponent(ref);

/**
 * `--model=default` is "GitLab default": the API's `offered_model_ref: null`.
 * Anything else is a gateway identifier, checked by the server against what the gateway offers.
 */
function modelRef(o: Record<string, string>): string | null {
  const v = required(o, 'model').trim();
  if (v === 'default') return null;
  if (/\s/.test(v)) throw new UsageError('--model must be a gateway model identifier or default');
  return v;
}

const base = (o: Record<string, string>) =>
  o.group === undefined
    ? '/api/v4/admin/ai_feature_settings'
    : `/api/v4/groups/${group(o.group)}/ai_feature_settings`;

export const modelSelectionCommands: Record<string, Command<ApiClient>> = {
  'model-selection get': {
    help: '[--group=ID|PATH] [--feature=code_completions|code_generations]\nThe model chosen per feature for a top-level group, or for the instance without --group\n(selected, default, effective and whether the selection went stale).',
    options: ['group', 'feature'],
    run: (api, { options: o }) =>
      api.call('GET', o.feature === undefined ? base(o) : `${base(o)}/${feature(o)}`),
  },
  'model-selection set': {
    help: '--feature=code_completions|code_generations --model=IDENTIFIER|default [--group=ID|PATH]\nChoose the model for a feature of a top-level group (owner or admin), or of the instance\n(admin) without --group; `default` goes back to the GitLab default. Audited.',
    options: ['group', 'feature', 'model'],
    run: (api, { options: o }) =>
      api.call('PUT', `${base(o)}/${feature(o)}`, { offered_model_ref: modelRef(o) }),
  },
};
