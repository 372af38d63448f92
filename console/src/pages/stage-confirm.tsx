import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { ConfirmActions } from '../confirm';
import type { GateItem, StageId, StagePlan } from '../types';

/** A stage move the admin asked for: the server's plan of it, and who it reaches. */
export interface PendingStage {
  stage: StageId;
  name: string;
  value: string;
  plan: StagePlan;
  effect: string;
}

const list = (items: GateItem[]) => items.map((i) => i.text).join(', ');

/**
 * The confirmation of a stage move (a native <dialog>, as ConfirmChange): the gates it sets,
 * the gates it removes (every gate that is not the stage's) and those it keeps, as the server
 * computed them; Apply posts the move.
 */
export function StageConfirm(props: {
  pending: PendingStage | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const p = props.pending;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p && !d.open) {
      setError('');
      d.showModal();
    }
    if (!p && d.open) d.close();
  }, [p]);

  const apply = async () => {
    if (!p) return;
    setBusy(true);
    try {
      await api('POST', `/api/v4/admin/console/rollouts/${encodeURIComponent(p.plan.flag)}/stage`, {
        stage: p.stage,
        ...(p.value ? { value: p.value } : {}),
      });
      props.onClose();
      props.onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} aria-labelledby="stage-title" onClose={props.onClose}>
      {p && (
        <div class="stage-plan">
          <h2 id="stage-title">
            Confirm: go to stage {p.name} (from {p.plan.from.replace('_', ' ')})
          </h2>
          <p>
            Flag <code>{p.plan.flag}</code>
          </p>
          <p class="effect" data-testid="effect">
            Effect: {p.effect}.
          </p>
          <ul>
            <li class="set" data-testid="plan-set">
              Sets: {list(p.plan.set) || 'nothing new'}
            </li>
            <li class="removed" data-testid="plan-removed">
              Removes: {list(p.plan.removed) || 'nothing'}
            </li>
            {p.plan.kept.length > 0 && <li data-testid="plan-kept">Keeps: {list(p.plan.kept)}</li>}
          </ul>
          <ConfirmActions
            error={error}
            busy={busy}
            onApply={() => void apply()}
            onCancel={props.onClose}
          />
        </div>
      )}
    </dialog>
  );
}
