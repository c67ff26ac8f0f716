import { useId, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useI18n } from '../i18n';
import type { StockLocation, StockSummary } from '../types';
import { ErrorBanner, fieldError, FormError, Loading, useLoad } from '../ui';

interface Row {
  code: string;
  name: string;
  onHand: number;
  reserved: number;
  available: number;
}

/** Every location (those without a stock level show zeros), the default first. */
function rowsOf(summary: StockSummary, locations: StockLocation[] | null): Row[] {
  const levels = new Map(summary.locations.map((l) => [l.location, l]));
  const rows: Row[] = (locations ?? []).map((loc) => ({ code: loc.code, name: loc.name, onHand: 0, reserved: 0, available: 0, ...levels.get(loc.code) }));
  for (const level of summary.locations) if (!rows.some((r) => r.code === level.location)) rows.push({ ...level, code: level.location, name: level.location });
  return rows;
}

/**
 * A SKU's stock per location (GET /admin/inventory/:sku): on hand, reserved and available, with a
 * stock count per location for members with `catalog:write` (the permission the inventory write
 * routes require).
 */
export function ProductStock({ sku, label, locations, locationsError, canWrite }: { sku: string; label: string; locations: StockLocation[] | null; locationsError: unknown; canWrite: boolean }) {
  const { t } = useI18n();
  const stock = useLoad(() => api<StockSummary>('GET', `/admin/inventory/${encodeURIComponent(sku)}`), [sku]);
  const headingId = useId();
  const s = stock.data;

  return (
    <section className="stock" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {t('stock.title')} <span className="visually-hidden">{label}</span>
      </h3>
      <ErrorBanner error={stock.error ?? locationsError} onRetry={stock.reload} />
      {stock.loading && !s ? <Loading /> : null}
      {s && (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('stock.location')}</th>
                  <th scope="col" className="num">
                    {t('stock.onHand')}
                  </th>
                  <th scope="col" className="num">
                    {t('stock.reserved')}
                  </th>
                  <th scope="col" className="num">
                    {t('stock.available')}
                  </th>
                  {canWrite && <th scope="col">{t('stock.count')}</th>}
                </tr>
              </thead>
              <tbody>
                {rowsOf(s, locations).map((r) => (
                  <tr key={r.code} data-location={r.code}>
                    <th scope="row">
                      {r.name}
                      {r.name !== r.code && <span className="hint"> ({r.code})</span>}
                    </th>
                    <td className="num">{r.onHand}</td>
                    <td className="num">{r.reserved}</td>
                    <td className="num" data-testid={`available-${sku}-${r.code}`}>
                      {r.available}
                    </td>
                    {canWrite && (
                      <td>
                        <SetStock sku={sku} location={r} onDone={stock.setData} />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t('stock.total')}</th>
                  <td className="num">{s.onHand}</td>
                  <td className="num">{s.reserved}</td>
                  <td className="num" data-testid={`available-${sku}`}>
                    {s.available}
                  </td>
                  {canWrite && <td />}
                </tr>
              </tfoot>
            </table>
          </div>
          {s.locations.length === 0 && (locations?.length ?? 0) === 0 && <p className="state empty">{t('stock.empty')}</p>}
          {s.allowBackorder && <p className="hint">{t('stock.backorder')}</p>}
        </>
      )}
    </section>
  );
}

/** Records a stock count (absolute on-hand quantity) at one location. */
function SetStock({ sku, location, onDone }: { sku: string; location: Row; onDone(summary: StockSummary): void }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const [local, setLocal] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const id = useId();
  const problem = local ?? fieldError(error, '/onHand');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    const text = value.trim();
    if (!/^\d+$/.test(text) || Number(text) > 1_000_000_000) {
      setLocal(t('promo.integerInvalid'));
      return;
    }
    setLocal(undefined);
    setBusy(true);
    try {
      onDone(await api<StockSummary>('PUT', `/admin/inventory/${encodeURIComponent(sku)}`, { body: { onHand: Number(text), location: location.code } }));
      setValue('');
      setDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="set-stock" onSubmit={submit} noValidate>
      <label htmlFor={id} className="visually-hidden">
        {t('stock.setAt', { location: location.name })}
      </label>
      <input
        id={id}
        name={`stock-${location.code}`}
        inputMode="numeric"
        placeholder={String(location.onHand)}
        value={value}
        onChange={(e) => (setValue(e.target.value), setLocal(undefined), setDone(false))}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-error` : undefined}
      />
      <button type="submit" className="secondary" disabled={busy}>
        {t('stock.set')}
      </button>
      {problem && (
        <p id={`${id}-error`} className="field-error">
          {problem}
        </p>
      )}
      <FormError error={error} shown={(field) => field === '/onHand'} />
      <span role="status" className="hint">
        {done ? t('stock.updated') : ''}
      </span>
    </form>
  );
}
