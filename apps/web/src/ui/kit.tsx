/** The few building blocks every page uses, so that the app looks the same everywhere. */
import { cloneElement, useEffect, useId, useState, type ButtonHTMLAttributes, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { readableError } from '../api/errors';
import type { CursorPages } from './paging';

export type ButtonKind = 'primary' | 'secondary' | 'danger';
const buttonLooks: Record<ButtonKind, string> = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-300',
  secondary: 'border border-slate-300 bg-white text-slate-700 hover:bg-slate-50 disabled:text-slate-400',
  danger: 'border border-red-200 bg-white text-red-700 hover:bg-red-50 disabled:text-red-300',
};

export function Button({
  kind = 'secondary',
  busy,
  className = '',
  children,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { kind?: ButtonKind; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={rest.disabled || busy}
      className={`inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium shadow-xs transition-colors disabled:cursor-not-allowed ${buttonLooks[kind]} ${className}`}
    >
      {busy && <span className="size-3 animate-spin rounded-full border-2 border-current border-t-transparent" aria-hidden />}
      {children}
    </button>
  );
}

/** A labelled control: the label names it by id, so its name is the label alone (not its value). */
export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactElement<{ id?: string }> }) {
  const id = useId();
  return (
    <div>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id })}
      {hint && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
    </div>
  );
}

export function Card({ title, actions, children, className = '' }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className}`}>
      {(title || actions) && (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          {title && <h2 className="text-base font-semibold text-slate-800">{title}</h2>}
          {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** An API error as a readable message; renders nothing without an error. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  const { title, message, issues } = readableError(error);
  return (
    <div role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      <p className="font-semibold">{title}</p>
      <p>{message}</p>
      {issues.length > 1 && (
        <ul className="mt-1 list-disc pl-5">
          {issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const badgeLooks: Record<string, string> = {
  draft: 'bg-amber-50 text-amber-800 ring-amber-200',
  commit: 'bg-sky-50 text-sky-800 ring-sky-200',
  snapshot: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  pending: 'bg-slate-100 text-slate-700 ring-slate-200',
  running: 'bg-sky-50 text-sky-800 ring-sky-200',
  succeeded: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  failed: 'bg-red-50 text-red-800 ring-red-200',
  cancelled: 'bg-slate-100 text-slate-600 ring-slate-300',
  timed_out: 'bg-orange-50 text-orange-800 ring-orange-200',
  public: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  private: 'bg-slate-100 text-slate-700 ring-slate-200',
  admin: 'bg-violet-50 text-violet-800 ring-violet-200',
  active: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  paused: 'bg-amber-50 text-amber-800 ring-amber-200',
  completed: 'bg-slate-100 text-slate-600 ring-slate-300',
  success: 'bg-emerald-50 text-emerald-800 ring-emerald-200',
  access_error: 'bg-red-50 text-red-800 ring-red-200',
  invocation_error: 'bg-red-50 text-red-800 ring-red-200',
};

export function Badge({ value }: { value: string }) {
  const look = badgeLooks[value] ?? 'bg-slate-100 text-slate-700 ring-slate-200';
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${look}`}>{value.replace('_', ' ')}</span>;
}

/** Previous / next through a cursor-paged list; `loaded` is the page on screen (none while loading). */
export function Pager({ pages, loaded }: { pages: CursorPages; loaded?: { cursor: string | null } }) {
  if (!loaded) return null;
  return (
    <div className="mt-3 flex items-center justify-end gap-2 text-sm text-slate-600">
      <span>Page {pages.page}</span>
      <Button onClick={pages.prev} disabled={pages.page <= 1}>
        Previous
      </Button>
      <Button onClick={() => pages.next(loaded.cursor)} disabled={!loaded.cursor}>
        Next
      </Button>
    </div>
  );
}

/**
 * A card holding one form: its fields, the API's error for the last submission and the submit
 * button. The fields keep their values on a failed submission; the caller clears them on success.
 */
export function FormCard({
  title,
  submit,
  action,
  children,
}: {
  title: string;
  submit: string;
  action: { mutate: () => void; isPending: boolean; error: unknown };
  children: ReactNode;
}) {
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    action.mutate();
  };
  return (
    <Card title={title}>
      <form className="space-y-3" onSubmit={onSubmit}>
        {children}
        <ErrorNotice error={action.error} />
        <Button kind="primary" type="submit" busy={action.isPending}>
          {submit}
        </Button>
      </form>
    </Card>
  );
}

/** The options of a select, one per value. */
export const Options = ({ values }: { values: readonly string[] }) => values.map((value) => <option key={value}>{value}</option>);

export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
  };
  return <Button onClick={() => void copy()}>{copied ? 'Copied' : 'Copy'}</Button>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">{children}</p>;
}

export function PageTitle({ children, sub }: { children: ReactNode; sub?: ReactNode }) {
  return (
    <div className="mb-6">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{children}</h1>
      {sub && <p className="mt-1 text-sm text-slate-500">{sub}</p>}
    </div>
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

export function duration(start: string | null | undefined, end: string | null | undefined): string {
  if (!start) return '—';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A duration that counts up once a second while it has not ended (a running execution's). */
export function Duration({ start, end, testId }: { start: string | null | undefined; end: string | null | undefined; testId?: string }) {
  const [, tick] = useState(0);
  const running = Boolean(start) && !end;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return <span data-testid={testId}>{duration(start, end)}</span>;
}
