import { useCallback, useEffect, useId, useRef, useState, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { ApiError } from './api';
import { useI18n, type MessageKey, type Translate } from './i18n';

/** The text for an error at the top of a form or screen. */
export function errorText(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('error.network');
    if (error.status === 403) return t('error.forbidden');
    if (error.status === 404) return t('error.notFound');
    return t('error.generic', { detail: error.message });
  }
  return t('error.generic', { detail: error instanceof Error ? error.message : String(error) });
}

/**
 * Loads data on mount and whenever `deps` change; `reload()` fetches again. While a new load runs,
 * the last data stays on screen and `loading` is true.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [tick, setTick] = useState(0);
  const key = JSON.stringify([...deps, tick]);
  const [state, setState] = useState<{ key: string | null; data: T | null; error: unknown }>({ key: null, data: null, error: null });
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ key, data, error: null }),
      (error: unknown) => live && setState((s) => ({ key, data: s.data, error })),
    );
    return () => {
      live = false;
    };
    // `key` stands for `deps`: the loader is a fresh closure on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  const loading = state.key !== key;
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((data: T) => setState({ key, data, error: null }), [key]);
  return { data: state.data, error: loading ? null : state.error, loading, reload, setData };
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p role="status" className="state">
      {t('common.loading')}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

/** A loaded list's error, first-load and empty states; the caller renders the rows when there are some. */
export function ListStatus({ list, empty }: { list: { data: { items: readonly unknown[] } | null; error: unknown; loading: boolean; reload: () => void }; empty: ReactNode }) {
  return (
    <>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.items.length === 0 && <Empty>{empty}</Empty>}
    </>
  );
}

export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <div role="alert" className="banner error">
      <span>{errorText(error, t)}</span>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="banner ok">
      {children}
    </div>
  );
}

/** The screen's heading; takes focus when the screen opens so keyboard and reader users land on it. */
export function PageTitle({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

type FieldProps = { label: string; error?: string | undefined; hint?: string | undefined };

/** A labelled input with its hint and error wired to it for assistive technology. */
export function TextField({ label, error, hint, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...input} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled multi-line text box, wired like TextField. */
export function TextAreaField({ label, error, hint, ...area }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={4} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...area} />
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function SelectField({ label, error, options, ...select }: FieldProps & { options: { value: string; label: string }[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `status.${status}` as MessageKey;
  const label = t(key);
  return <span className={`badge badge-${status}`}>{label === key ? status : label}</span>;
}

/**
 * A modal confirmation on the native `<dialog>`: focus moves into it, Escape cancels, and focus
 * returns to the button that opened it.
 */
export function ConfirmDialog({
  open,
  message,
  confirmLabel,
  busy,
  onConfirm,
  onCancel,
  children,
}: {
  open: boolean;
  message: string;
  confirmLabel: string;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
  /** Extra content between the question and the buttons, such as a reason field. */
  children?: ReactNode;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <p id={titleId}>{message}</p>
      {children}
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel} autoFocus>
          {t('common.cancel')}
        </button>
        <button type="button" className="danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Cursor pagination: remembers the cursors of earlier pages so Previous works. */
export function usePager(resetKey: string) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [lastKey, setLastKey] = useState(resetKey);
  if (lastKey !== resetKey) {
    setLastKey(resetKey);
    setCursors([undefined]);
  }
  const page = cursors.length;
  return {
    cursor: cursors[cursors.length - 1],
    page,
    next: (cursor: string) => setCursors((c) => [...c, cursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}

export function Pager({ page, nextCursor, onNext, onPrevious }: { page: number; nextCursor: string | null | undefined; onNext(cursor: string): void; onPrevious(): void }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('common.page', { n: page })}>
      <button type="button" className="secondary" onClick={onPrevious} disabled={page <= 1}>
        {t('common.previous')}
      </button>
      <span>{t('common.page', { n: page })}</span>
      <button type="button" className="secondary" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        {t('common.next')}
      </button>
    </nav>
  );
}

/**
 * A form's error that belongs to no single field (field problems show beside their fields). With
 * `shown`, the field problems the form has no place for (it answers false) are listed here instead.
 */
export function FormError({ error, shown }: { error: unknown; shown?: (field: string) => boolean }) {
  const { t } = useI18n();
  if (!error) return null;
  if (error instanceof ApiError && error.fields.length > 0) {
    const unplaced = shown ? error.fields.filter((f) => !shown(f.field)) : [];
    if (unplaced.length === 0) return null;
    return (
      <p role="alert" className="banner error">
        {unplaced.map((f) => `${f.field} ${f.message}`).join('; ')}
      </p>
    );
  }
  return (
    <p role="alert" className="banner error">
      {errorText(error, t)}
    </p>
  );
}

export function CheckboxField({ label, ...input }: { label: string } & Omit<InputHTMLAttributes<HTMLInputElement>, 'type'>) {
  const id = useId();
  return (
    <div className="field check">
      <input id={id} type="checkbox" {...input} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/** The message for a field from a refused request, when the API named that field. */
export function fieldError(error: unknown, pointer: string): string | undefined {
  return error instanceof ApiError ? error.fieldMessage(pointer) : undefined;
}

/** A column of a `DataTable`: its header, the cell of each row, and `num` for right-aligned figures. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  num?: boolean;
  /** A class for the body cells only. */
  cellClass?: string;
}

export interface DataTableProps<T> {
  rows: readonly T[];
  /** Columns; `false` leaves one out (a column only some viewers see). */
  columns: readonly (Column<T> | false)[];
  rowKey: (row: T) => string;
  /** Attributes for a row's `<tr>`, such as a `data-…-id` tests and scripts find rows by. */
  rowAttributes?: (row: T) => Record<string, string>;
}

/** A table with a header row of column titles, in the horizontally scrolling wrapper. */
export function DataTable<T>({ rows, columns, rowKey, rowAttributes }: DataTableProps<T>) {
  const shown = columns.filter((c): c is Column<T> => c !== false);
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {shown.map((c, i) => (
              <th key={i} scope="col" className={c.num ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowAttributes?.(row)}>
              {shown.map((c, i) => (
                <td key={i} className={[c.num ? 'num' : '', c.cellClass ?? ''].join(' ').trim() || undefined}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * One page of a cursor-paginated list: its error, loading and empty states, then the table and
 * the pager under it.
 */
export function PagedTable<T>({
  list,
  pager,
  empty,
  ...table
}: Omit<DataTableProps<T>, 'rows'> & {
  list: { data: { items: readonly T[]; nextCursor?: string | null } | null; error: unknown; loading: boolean; reload: () => void };
  pager: ReturnType<typeof usePager>;
  empty: ReactNode;
}) {
  return (
    <>
      <ListStatus list={list} empty={empty} />
      {list.data && list.data.items.length > 0 && (
        <>
          <DataTable rows={list.data.items} {...table} />
          <Pager page={pager.page} nextCursor={list.data.nextCursor} onNext={pager.next} onPrevious={pager.previous} />
        </>
      )}
    </>
  );
}
