/**
 * A button whose action is asked first: it opens a modal `<dialog>` (the browser's own: focus
 * trapped inside, Escape cancels, the page behind inert) that names what will happen, and acts
 * only on its confirm button. Every destructive action in the app goes through it.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Button, type ButtonKind } from './kit';

interface ConfirmButtonProps {
  /** the button's own label */
  children: ReactNode;
  /** the dialog's heading, a question: "Revoke the key ci?" */
  title: string;
  /** what follows, in a sentence */
  message: ReactNode;
  /** the confirm button's label: "Revoke key" */
  confirm: string;
  onConfirm: () => void;
  kind?: ButtonKind;
  busy?: boolean;
  disabled?: boolean;
  className?: string;
}

export function ConfirmButton({ children, title, message, confirm, onConfirm, kind = 'danger', busy, disabled, className }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button kind={kind} busy={busy} disabled={disabled} className={className} onClick={() => setOpen(true)}>
        {children}
      </Button>
      {open && (
        <ConfirmDialog
          title={title}
          message={message}
          confirm={confirm}
          kind={kind}
          onClose={(confirmed) => {
            setOpen(false);
            if (confirmed) onConfirm();
          }}
        />
      )}
    </>
  );
}

function ConfirmDialog({
  title,
  message,
  confirm,
  kind,
  onClose,
}: {
  title: string;
  message: ReactNode;
  confirm: string;
  kind: ButtonKind;
  onClose: (confirmed: boolean) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const messageId = useId();
  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      aria-describedby={messageId}
      // Escape (the browser's cancel) is a "no"
      onCancel={(e) => {
        e.preventDefault();
        onClose(false);
      }}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-lg border border-slate-200 bg-white p-5 text-slate-900 shadow-xl backdrop:bg-slate-900/40"
    >
      <h2 id={titleId} className="text-base font-semibold">
        {title}
      </h2>
      <div id={messageId} className="mt-2 text-sm text-slate-600">
        {message}
      </div>
      <div className="mt-5 flex justify-end gap-2">
        <Button autoFocus onClick={() => onClose(false)}>
          Keep it
        </Button>
        <Button kind={kind === 'danger' ? 'danger' : 'primary'} onClick={() => onClose(true)}>
          {confirm}
        </Button>
      </div>
    </dialog>
  );
}
