/**
 * Short notices that an action went through ("Key revoked"), announced to screen readers through
 * a polite live region and gone after a few seconds. `toast()` may be called from anywhere; the
 * one `<Toasts />` in the shell shows them. A mutation says its notice in `meta.success`.
 */
import { useSyncExternalStore } from 'react';

interface Toast {
  id: number;
  message: string;
}

const SHOWN_MS = 5000;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

function publish(next: Toast[]) {
  toasts = next;
  for (const listener of listeners) listener();
}

const dismiss = (id: number) => publish(toasts.filter((t) => t.id !== id));

export function toast(message: string) {
  const id = nextId++;
  publish([...toasts, { id, message }]);
  setTimeout(() => dismiss(id), SHOWN_MS);
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => void listeners.delete(listener);
};

export function Toasts() {
  const shown = useSyncExternalStore(subscribe, () => toasts);
  return (
    <div role="status" aria-live="polite" className="pointer-events-none fixed right-4 bottom-4 left-4 z-50 flex flex-col items-end gap-2" data-testid="toasts">
      {shown.map((t) => (
        <div
          key={t.id}
          className="pointer-events-auto flex max-w-sm items-center gap-3 rounded-md bg-slate-900 px-4 py-2 text-sm text-white shadow-lg"
          data-testid="toast"
        >
          <span>{t.message}</span>
          <button type="button" className="text-slate-300 hover:text-white" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
