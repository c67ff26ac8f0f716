import { useEffect, useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { useI18n, type Translate } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import type { ImportSummary, Job } from '../types';
import { ErrorBanner, errorText, Notice, PageTitle, SelectField } from '../ui';

/** How often a running import's progress is read. */
export const IMPORT_POLL_MS = 1000;
/** The largest file the API takes over HTTP (larger ones go through `npm run import`). */
const MAX_BYTES = 100 * 1024 * 1024;
const TYPES = { csv: 'text/csv', ndjson: 'application/x-ndjson' } as const;
type Format = keyof typeof TYPES;

/** The format a file's name or type suggests: CSV unless it looks like NDJSON. */
function formatOf(file: File): Format {
  return /\.(ndjson|jsonl|json)$/i.test(file.name) || file.type === 'application/x-ndjson' ? 'ndjson' : 'csv';
}

/** Why the upload was refused, in words about the file. */
function uploadProblem(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    if (error.status === 413) return t('import.tooLarge');
    if (error.status === 415) return t('import.wrongType');
    if (error.status === 400) return t('import.unreadable', { detail: error.message });
  }
  return errorText(error, t);
}

const isSummary = (value: unknown): value is ImportSummary => typeof value === 'object' && value !== null && 'products' in value && 'rows' in value;

/**
 * Bulk import (docs/catalog-import.md): the file goes up as raw text, the API answers with a job,
 * and the screen follows the job to its outcome with a progress bar.
 */
export function ProductImport() {
  const { t } = useI18n();
  const session = useSession();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>('csv');
  const [local, setLocal] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const [pollError, setPollError] = useState<unknown>(null);
  const finished = job?.status === 'succeeded' || job?.status === 'failed';

  useEffect(() => {
    if (!jobId || finished || pollError) return;
    let live = true;
    const timer = window.setTimeout(
      () => {
        api<Job>('GET', `/admin/jobs/${encodeURIComponent(jobId)}`).then(
          (next) => live && setJob(next),
          (e: unknown) => live && setPollError(e),
        );
      },
      job ? IMPORT_POLL_MS : 0,
    );
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
    // Each answer (a new `job` object) schedules the next read, until the job has finished.
  }, [jobId, finished, pollError, job]);

  if (!session.can('catalog:write')) return <p className="hint">{t('error.forbidden')}</p>;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!file) return setLocal(t('import.chooseFile'));
    if (file.size > MAX_BYTES) return setLocal(t('import.tooLarge'));
    if (file.size === 0) return setLocal(t('import.emptyFile'));
    setLocal(undefined);
    setBusy(true);
    try {
      const text = await file.text();
      const accepted = await api<{ jobId: string }>('POST', '/admin/products/import', { raw: { text, type: TYPES[format] } });
      setJob(null);
      setPollError(null);
      setJobId(accepted.jobId);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const reset = () => {
    setJobId(null);
    setJob(null);
    setFile(null);
    setPollError(null);
  };

  const problem = local ?? (error ? uploadProblem(error, t) : undefined);
  return (
    <>
      <p>
        <Link to="/products">← {t('common.back')}</Link>
      </p>
      <PageTitle>{t('import.title')}</PageTitle>
      <p className="hint">{t('import.intro')}</p>
      {!jobId && (
        <form onSubmit={submit} noValidate className="product-form">
          <fieldset>
            <legend>{t('import.file')}</legend>
            <div className="field">
              <label htmlFor={fileId}>{t('import.chooseLabel')}</label>
              <input
                id={fileId}
                type="file"
                name="file"
                accept=".csv,.ndjson,.jsonl,text/csv,application/x-ndjson"
                aria-invalid={problem ? true : undefined}
                aria-describedby={`${fileId}-hint${problem ? ` ${fileId}-error` : ''}`}
                onChange={(e) => {
                  const chosen = e.target.files?.[0] ?? null;
                  setFile(chosen);
                  setLocal(undefined);
                  setError(null);
                  if (chosen) setFormat(formatOf(chosen));
                }}
              />
              <p id={`${fileId}-hint`} className="hint">
                {t('import.fileHint')}
              </p>
              {problem && (
                <p id={`${fileId}-error`} className="field-error" role="alert">
                  {problem}
                </p>
              )}
            </div>
            <SelectField
              label={t('import.format')}
              name="format"
              value={format}
              onChange={(e) => setFormat(e.target.value as Format)}
              options={[
                { value: 'csv', label: 'CSV (text/csv)' },
                { value: 'ndjson', label: 'NDJSON (application/x-ndjson)' },
              ]}
            />
            <button type="submit" disabled={busy}>
              {busy ? t('import.uploading') : t('import.submit')}
            </button>
          </fieldset>
        </form>
      )}
      {jobId && <ImportProgress job={job} pollError={pollError} onRetry={() => setPollError(null)} onAgain={reset} />}
    </>
  );
}

function ImportProgress({ job, pollError, onRetry, onAgain }: { job: Job | null; pollError: unknown; onRetry(): void; onAgain(): void }) {
  const { t } = useI18n();
  const barId = useId();
  const finished = job?.status === 'succeeded' || job?.status === 'failed';
  const total = job?.total ?? null;
  const summary = isSummary(job?.result) ? job.result : null;
  const stateText = !job || job.status === 'queued' ? t('import.queued') : job.status === 'running' ? t('import.running') : job.status === 'succeeded' ? t('import.succeeded') : t('import.failed');

  return (
    <section aria-labelledby="import-progress">
      <h2 id="import-progress">{t('import.progress')}</h2>
      <ErrorBanner error={pollError} onRetry={onRetry} />
      <div className="field progress-field">
        <label htmlFor={barId}>{stateText}</label>
        {/* Without a total yet the bar is indeterminate rather than stuck at zero. */}
        {total !== null && total > 0 ? (
          <progress id={barId} max={total} value={job?.processed ?? 0} data-testid="import-progress">
            {job?.processed ?? 0} / {total}
          </progress>
        ) : (
          <progress id={barId} data-testid="import-progress" />
        )}
        <p className="hint" aria-live="polite">
          {total !== null ? t('import.rowsOf', { processed: job?.processed ?? 0, total }) : t('import.counting')}
        </p>
      </div>
      {job?.status === 'succeeded' && <Notice>{t('import.succeeded')}</Notice>}
      {job?.status === 'failed' && (
        <p role="alert" className="banner error">
          {t('import.stopped')}
        </p>
      )}
      {finished && (
        <>
          {summary && (
            <dl className="facts" data-testid="import-summary">
              <dt>{t('import.rows')}</dt>
              <dd>{summary.rows}</dd>
              <dt>{t('import.created')}</dt>
              <dd>{summary.products.created}</dd>
              <dt>{t('import.updated')}</dt>
              <dd>{summary.products.updated}</dd>
              <dt>{t('import.productsFailed')}</dt>
              <dd>{summary.products.failed}</dd>
              <dt>{t('import.rowsFailed')}</dt>
              <dd>{summary.rowsFailed}</dd>
            </dl>
          )}
          <h3 id="import-errors">{t('import.errors')}</h3>
          {job.errors.length === 0 ? (
            <p className="state empty">{t('import.noErrors')}</p>
          ) : (
            <div className="table-wrap">
              <table aria-labelledby="import-errors">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('import.row')}
                    </th>
                    <th scope="col">{t('import.message')}</th>
                  </tr>
                </thead>
                <tbody>
                  {job.errors.map((e, i) => (
                    <tr key={i}>
                      <td className="num">{e.row || '—'}</td>
                      <td className="wrap">{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {job.errors.length >= 1000 && <p className="hint">{t('import.errorsCapped')}</p>}
          <div className="row">
            <Link className="button" to="/products">
              {t('import.toProducts')}
            </Link>
            <button type="button" className="secondary" onClick={onAgain}>
              {t('import.again')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
