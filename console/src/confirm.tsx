import { useEffect, useRef, useState } from 'preact/hooks';
import { applyChange, type FlagChange } from './changes';
import { ReadOnlyReason, useAccess } from './session';

/**
 * A native <dialog> (focus moves into it, Escape cancels) showing a change's effect before it is
 * applied. `onDone` runs after a successful change.
 */
export function ConfirmChange(props: {
  change: FlagChange | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const c = props.change;
  const { readOnly } = useAccess();

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (c && !d.open) {
      setError('');
      d.showModal();
    }
    if (!c && d.open) d.close();
  }, [c]);

  const apply = async () => {
    if (!c) return;
    setBusy(true);
    try {
      await applyChange(c);
      props.onClose();
      props.onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} aria-labelledby="confirm-title" onClose={props.onClose}>
      {c && (
        <div>
          <h2 id="confirm-title">Confirm: {c.title}</h2>
          <p>
            Flag <code>{c.flag}</code>
          </p>
          <p class="effect" data-testid="effect">
            Effect: {c.effect}.
          </p>
          {error && (
            <p role="alert" class="error">
              {error}
            </p>
          )}
          <ReadOnlyReason />
          <div class="actions">
            <button type="button" onClick={() => void apply()} disabled={busy || readOnly}>
              Apply
            </button>
            <button type="button" class="secondary" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </dialog>
  );
}
