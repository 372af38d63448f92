import { useCallback } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, Section, useData } from '../shared';

interface ModelRef {
  ref: string;
  name: string;
}
interface FeatureSetting {
  feature: string;
  title: string;
  selected_model: ModelRef | null;
  default_model: ModelRef | null;
  effective_model: ModelRef | null;
  stale: boolean;
  namespace?: { id: number; full_path: string };
  updated_at: string | null;
}
interface Overview {
  instance: FeatureSetting[];
  groups: FeatureSetting[];
}

const name = (m: ModelRef | null) => (m ? `${m.name} (${m.ref})` : 'GitLab default');

/** One row: what was chosen, what requests use, and whether the gateway still offers it. */
function Row(props: { s: FeatureSetting; who: string }) {
  const { s } = props;
  return (
    <tr data-testid={`selection-${props.who}-${s.feature}`} class={s.stale ? 'stale' : undefined}>
      <td>{props.who}</td>
      <td>{s.title}</td>
      <td>{name(s.selected_model)}</td>
      <td>{name(s.effective_model)}</td>
      <td>
        {s.stale
          ? 'Stale: the AI Gateway no longer offers the selected model; requests use the default'
          : 'Offered'}
      </td>
    </tr>
  );
}

/** Model selection: the instance setting, the groups that chose a model, stale choices first. */
export function ModelsPage() {
  const load = useCallback(() => api<Overview>('GET', '/api/v4/admin/console/model_selection'), []);
  const data = useData(load, 5000);
  const groups = [...(data.data?.groups ?? [])].sort((a, b) => Number(b.stale) - Number(a.stale));
  const stale = [...(data.data?.instance ?? []), ...groups].filter((s) => s.stale).length;
  const head = (
    <thead>
      <tr>
        <th scope="col">Chosen by</th>
        <th scope="col">Feature</th>
        <th scope="col">Selected model</th>
        <th scope="col">Requests use</th>
        <th scope="col">Gateway offer</th>
      </tr>
    </thead>
  );
  return (
    <div>
      <ErrorLine error={data.error} />
      {stale > 0 && (
        <p role="status" class="banner" data-testid="stale-selections">
          {stale} stale selection{stale === 1 ? '' : 's'}: their users get the feature's default
          until the model is offered again or the selection is changed.
        </p>
      )}
      <Section title="Instance">
        <table>
          {head}
          <tbody>
            {(data.data?.instance ?? []).map((s) => (
              <Row key={s.feature} s={s} who="instance" />
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Groups with a selection">
        {groups.length === 0 ? (
          <p>No top-level group has chosen a model: every group uses the GitLab default.</p>
        ) : (
          <table>
            {head}
            <tbody>
              {groups.map((s) => (
                <Row
                  key={`${s.namespace?.id}-${s.feature}`}
                  s={s}
                  who={s.namespace?.full_path ?? '?'}
                />
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <p>
        Change a choice with <code>npm run cli -- model-selection set</code> or{' '}
        <code>PUT /api/v4/groups/:id/ai_feature_settings/:feature</code>.
      </p>
    </div>
  );
}
