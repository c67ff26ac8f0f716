import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { isoFromLocal, money, parseAmount } from '../format';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import type { Campaign } from '../types';
import { CheckboxField, DataTable, Empty, ErrorBanner, fieldError, FormError, Loading, Notice, PageTitle, StatusBadge, TextField, useLoad } from '../ui';
import { windowText } from './Promotions';

const PAGE_SIZE = 20;

/** Campaigns (GET /admin/campaigns returns them all, newest first): budget against spend, and a create form. */
export function Campaigns() {
  const { t, locale } = useI18n();
  const session = useSession();
  const list = useLoad(() => api<Page<Campaign>>('GET', '/admin/campaigns'), []);
  const [page, setPage] = useState(1);
  const [notice, setNotice] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  const pages = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const shown = items.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);

  return (
    <>
      <PageTitle>{t('campaigns.title')}</PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && items.length === 0 && <Empty>{t('campaigns.empty')}</Empty>}
      {shown.length > 0 && (
        <>
          <DataTable
            rows={shown}
            rowKey={(c) => c.id}
            columns={[
              { header: t('promo.name'), cell: (c) => c.name },
              { header: t('promo.window'), cell: (c) => windowText(c.startsAt, c.endsAt, t, locale) },
              { header: t('campaigns.budget'), num: true, cell: (c) => (c.budget === null ? t('campaigns.noBudget') : money(c.budget, c.currency, locale)) },
              { header: t('campaigns.spent'), num: true, cell: (c) => money(c.spent, c.currency, locale) },
              { header: t('common.status'), cell: (c) => <StatusBadge status={c.active ? 'active' : 'inactive'} /> },
            ]}
          />
          <nav className="pager" aria-label={t('common.page', { n: page })}>
            <button type="button" className="secondary" onClick={() => setPage((p) => p - 1)} disabled={page <= 1}>
              {t('common.previous')}
            </button>
            <span>{t('common.page', { n: page })}</span>
            <button type="button" className="secondary" onClick={() => setPage((p) => p + 1)} disabled={page >= pages}>
              {t('common.next')}
            </button>
          </nav>
        </>
      )}
      {session.can('promotions:write') && (
        <CampaignForm
          onDone={(c) => {
            setNotice(t('campaigns.createdOk', { name: c.name }));
            setPage(1);
            list.reload();
          }}
        />
      )}
    </>
  );
}

function CampaignForm({ onDone }: { onDone(campaign: Campaign): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [budget, setBudget] = useState('');
  const [currency, setCurrency] = useState('CNY');
  const [startsAt, setStartsAt] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [active, setActive] = useState(true);
  const [local, setLocal] = useState<{ name?: string; budget?: string; currency?: string; endsAt?: string }>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const cur = currency.trim().toUpperCase();
    const minor = budget.trim() ? parseAmount(budget, cur || 'CNY') : null;
    const start = isoFromLocal(startsAt);
    const end = isoFromLocal(endsAt);
    const problems = {
      name: name.trim() ? undefined : t('common.required'),
      budget: budget.trim() && minor === null ? t('product.amountInvalid') : undefined,
      currency: /^[A-Z]{3}$/.test(cur) ? undefined : t('promo.currencyInvalid'),
      endsAt: start && end && end <= start ? t('promo.endBeforeStart') : undefined,
    };
    setLocal(problems);
    if (Object.values(problems).some(Boolean)) return;
    setBusy(true);
    try {
      const created = await api<Campaign>('POST', '/admin/campaigns', { body: { name: name.trim(), budget: minor, currency: cur, startsAt: start, endsAt: end, active } });
      setName('');
      setBudget('');
      onDone(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="campaign-new">
      <fieldset>
        <legend id="campaign-new">{t('campaigns.new')}</legend>
        <FormError error={error} />
        <div className="form-grid">
          <TextField label={t('promo.name')} name="campaignName" required value={name} onChange={(e) => setName(e.target.value)} error={local.name ?? fieldError(error, '/name')} />
          <TextField label={t('campaigns.budget')} name="budget" inputMode="decimal" hint={t('campaigns.budgetHint')} value={budget} onChange={(e) => setBudget(e.target.value)} error={local.budget ?? fieldError(error, '/budget')} />
          <TextField label={t('product.currency')} name="campaignCurrency" maxLength={3} value={currency} onChange={(e) => setCurrency(e.target.value)} error={local.currency ?? fieldError(error, '/currency')} />
          <TextField label={t('promo.startsAt')} name="campaignStartsAt" type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} error={fieldError(error, '/startsAt')} />
          <TextField label={t('promo.endsAt')} name="campaignEndsAt" type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} error={local.endsAt ?? fieldError(error, '/endsAt')} />
        </div>
        <CheckboxField label={t('promo.activeLabel')} name="campaignActive" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <button type="submit" disabled={busy}>
          {t('campaigns.create')}
        </button>
      </fieldset>
    </form>
  );
}
