import { useEffect, useRef, useState } from 'preact/hooks';
import { applyChange, previewChange, type FlagChange } from './changes';
import { ReadOnlyReason, useAccess } from './session';
import type { ChangePreview } from './types';

type Notice = { ok: boolean; text: string } | null;

/**
 * A change's confirmation. The server is asked first what the change would do (a dry run that
 * validates exactly as the change): a refused change never opens the dialog, its reason is shown
 * instead; otherwise a native <dialog> (focus moves into it, Escape cancels) shows the server's
 * effect. After Apply a message says what was done. `onDone` runs after a successful change.
 */
export function ConfirmChange(props: {
  change: FlagChange | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [preview, setPreview] = useState<{ of: FlagChange; answer: ChangePreview } | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const c = props.change;
  const shown = c && preview?.of === c ? preview.answer : null;

  useEffect(() => {
    if (!c) {
      if (ref.current?.open) ref.current.close();
      return;
    }
    let current = true;
    setNotice(null);
    setError('');
    previewChange(c)
      .then((answer) => current && setPreview({ of: c, answer }))
      .catch((err: Error) => {
        if (!current) return;
        setNotice({ ok: false, text: `Refused, nothing was changed: ${err.message}` });
        props.onClose();
      });
    return () => {
      current = false;
    };
    // only a new change starts a new preview (props.onClose is the page's setter)
  }, [c]);

  useEffect(() => {
    const d = ref.current;
    if (d && shown && !d.open) d.showModal();
  }, [shown]);

  const apply = async () => {
    if (!c || !shown) return;
    setBusy(true);
    try {
      await applyChange(c);
      setNotice({ ok: true, text: `Applied to ${c.flag}: ${c.title}. ${capital(shown.effect)}.` });
      props.onClose();
      props.onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {notice && (
        <p
          class={`notice ${notice.ok ? 'ok' : 'refused'}`}
          role={notice.ok ? 'status' : 'alert'}
          data-testid="notice"
        >
          {notice.text}{' '}
          <button
            type="button"
            class="secondary"
            aria-label="Dismiss message"
            onClick={() => setNotice(null)}
          >
            ×
          </button>
        </p>
      )}
      <dialog ref={ref} aria-labelledby="confirm-title" onClose={props.onClose}>
        {c && shown && (
          <div>
            <h2 id="confirm-title">Confirm: {c.title}</h2>
            <p>
              Flag <code>{c.flag}</code>: {shown.state_before} → {shown.state_after}
            </p>
            <p class="effect" data-testid="effect">
              Effect: {shown.effect}.{c.note ? ` ${capital(c.note)}.` : ''}
            </p>
            <ConfirmActions
              error={error}
              busy={busy}
              onApply={() => void apply()}
              onCancel={props.onClose}
            />
          </div>
        )}
      </dialog>
    </>
  );
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The foot of every confirmation dialog: the failed Apply's message, why Apply is off for a
 * read-only token, and Apply / Cancel (shared by ConfirmChange and StageConfirm).
 */
export function ConfirmActions(props: {
  error: string;
  busy: boolean;
  onApply: () => void;
  onCancel: () => void;
}) {
  const { readOnly } = useAccess();
  return (
    <>
      {props.error && (
        <p role="alert" class="error">
          {props.error}
        </p>
      )}
      <ReadOnlyReason />
      <div class="actions">
        <button type="button" onClick={props.onApply} disabled={props.busy || readOnly}>
          Apply
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
