import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { useI18n } from '../i18n';
import type { Product, Translation } from '../types';
import { fieldError, FormError, Notice, TextAreaField, TextField } from '../ui';
import type { Saved } from './ProductEdit';

/** The API's Locale pattern (BCP 47 shape: `en-US`, `zh-Hant-TW`). */
const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** A locale code in its usual spelling: language lower-case, region upper-case, script title-case. */
export function canonicalLocale(text: string): string {
  return text
    .trim()
    .split('-')
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 2) return part.toUpperCase();
      if (part.length === 4) return part[0]!.toUpperCase() + part.slice(1).toLowerCase();
      return part;
    })
    .join('-');
}

interface LocaleDraft {
  locale: string;
  title: string;
  subtitle: string;
  description: string;
}

function draftsOf(p: Product): LocaleDraft[] {
  return Object.entries(p.translations ?? {}).map(([locale, tr]) => ({ locale, title: tr.title ?? '', subtitle: tr.subtitle ?? '', description: tr.description ?? '' }));
}

/** The problem the API reported for exactly this pointer (not one under it). */
function exactProblem(error: unknown, pointer: string): string | undefined {
  return error instanceof ApiError ? error.fields.find((f) => f.field === pointer)?.message : undefined;
}

/**
 * Per-locale title, subtitle and description. Saving sends the locales shown (each replaces the
 * stored one, keeping its SEO and option labels) and null for each locale removed.
 */
export function ProductTranslations({ product: p, canWrite, notice, onSaved }: { product: Product; canWrite: boolean; notice: string | null; onSaved: Saved }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<LocaleDraft[] | null>(null);
  const [newLocale, setNewLocale] = useState('');
  const [localeProblem, setLocaleProblem] = useState<string | undefined>();
  // The locales the shop serves (GET /store/shop), offered as suggestions; unknown until loaded.
  const [served, setServed] = useState<string[] | null>(null);
  useEffect(() => {
    let live = true;
    api<{ locales: string[]; defaultLocale: string }>('GET', '/store/shop')
      .then((shop) => live && setServed(shop.locales.filter((l) => l !== shop.defaultLocale)))
      .catch(() => live && setServed(null));
    return () => {
      live = false;
    };
  }, []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const rows = draft ?? draftsOf(p);
  const stored = p.translations ?? {};
  const change = (locale: string, key: keyof LocaleDraft, value: string) => setDraft(rows.map((r) => (r.locale === locale ? { ...r, [key]: value } : r)));

  const add = () => {
    const locale = canonicalLocale(newLocale);
    if (!LOCALE.test(locale) || locale.length > 35) return setLocaleProblem(t('translations.localeInvalid'));
    if (rows.some((r) => r.locale.toLowerCase() === locale.toLowerCase())) return setLocaleProblem(t('translations.localeTaken', { locale }));
    if (served && !served.some((l) => l.toLowerCase() === locale.toLowerCase())) return setLocaleProblem(t('translations.localeNotServed', { locale, locales: served.join(', ') }));
    setLocaleProblem(undefined);
    setNewLocale('');
    setDraft([...rows, { locale, title: '', subtitle: '', description: '' }]);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const translations: Record<string, Translation | null> = {};
    for (const r of rows) {
      const next: Translation = { ...stored[r.locale] };
      delete next.title;
      delete next.subtitle;
      delete next.description;
      if (r.title.trim()) next.title = r.title.trim();
      if (r.subtitle.trim()) next.subtitle = r.subtitle.trim();
      if (r.description.trim()) next.description = r.description;
      translations[r.locale] = next;
    }
    for (const locale of Object.keys(stored)) if (!rows.some((r) => r.locale === locale)) translations[locale] = null;
    if (Object.keys(translations).length === 0) {
      setDraft(null);
      onSaved(p, t('product.noChanges'));
      return;
    }
    setBusy(true);
    try {
      const updated = await api<Product>('PATCH', `/admin/products/${encodeURIComponent(p.id)}`, { body: { translations } });
      setDraft(null);
      onSaved(updated, t('translations.saved'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="product-translations">
      <h2 id="product-translations">{t('translations.title')}</h2>
      <p className="hint">{t('translations.hint')}</p>
      <form onSubmit={submit} noValidate className="product-form">
        <FormError error={error} shown={(field) => rows.some((r) => field === `/translations/${r.locale}` || field.startsWith(`/translations/${r.locale}/`))} />
        {rows.length === 0 && <p className="state empty">{t('translations.empty')}</p>}
        {rows.map((r) => {
          const base = `/translations/${r.locale}`;
          const localeError = exactProblem(error, base);
          return (
            <fieldset key={r.locale} disabled={!canWrite} aria-describedby={localeError ? `tr-${r.locale}-error` : undefined}>
              <legend>{t('translations.locale', { locale: r.locale })}</legend>
              {localeError && (
                <p id={`tr-${r.locale}-error`} className="field-error">
                  {localeError}
                </p>
              )}
              <div className="form-grid">
                <TextField label={t('products.name')} name={`tr-${r.locale}-title`} lang={r.locale} value={r.title} onChange={(e) => change(r.locale, 'title', e.target.value)} error={fieldError(error, `${base}/title`)} />
                <TextField label={t('product.subtitle')} name={`tr-${r.locale}-subtitle`} lang={r.locale} value={r.subtitle} onChange={(e) => change(r.locale, 'subtitle', e.target.value)} error={fieldError(error, `${base}/subtitle`)} />
              </div>
              <TextAreaField label={t('product.description')} name={`tr-${r.locale}-description`} lang={r.locale} value={r.description} onChange={(e) => change(r.locale, 'description', e.target.value)} error={fieldError(error, `${base}/description`)} />
              {canWrite && (
                <button type="button" className="secondary" onClick={() => setDraft(rows.filter((x) => x.locale !== r.locale))}>
                  {t('translations.remove', { locale: r.locale })}
                </button>
              )}
            </fieldset>
          );
        })}
        {canWrite && (
          <>
            <div className="inline-add">
              <TextField
                label={t('translations.newLocale')}
                name="new-locale"
                value={newLocale}
                maxLength={35}
                autoComplete="off"
                list="served-locales"
                hint={t('translations.newLocaleHint')}
                error={localeProblem}
                onChange={(e) => (setNewLocale(e.target.value), setLocaleProblem(undefined))}
                onKeyDown={(e) => {
                  // Enter adds the locale rather than submitting the whole form.
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    add();
                  }
                }}
              />
              <button type="button" className="secondary" onClick={add}>
                {t('translations.add')}
              </button>
              <datalist id="served-locales">
                {(served ?? []).filter((l) => !rows.some((r) => r.locale === l)).map((l) => (
                  <option key={l} value={l} />
                ))}
              </datalist>
            </div>
            {notice && <Notice>{notice}</Notice>}
            <button type="submit" disabled={busy}>
              {busy ? t('common.saving') : t('translations.save')}
            </button>
          </>
        )}
      </form>
    </section>
  );
}
