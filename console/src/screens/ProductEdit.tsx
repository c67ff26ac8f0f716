import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { useSession } from '../session';
import type { Product } from '../types';
import { ErrorBanner, fieldError, FormError, Loading, Notice, PageTitle, SelectField, TextAreaField, TextField, useLoad } from '../ui';
import { ProductImages } from './ProductImages';
import { PRODUCT_STATUSES } from './Products';
import { ProductTranslations } from './ProductTranslations';
import { ProductVariants } from './ProductVariants';

/** What a section of the editor tells the screen after a successful write. */
export type Saved = (product: Product, message: string) => void;

/**
 * One product: its details, translations, images, variants with their prices, and stock per
 * location. Each section saves on its own (one PATCH or POST each), so a problem in one never
 * throws away what was typed in another.
 */
export function ProductEdit({ id, created }: { id: string; created: boolean }) {
  const { t } = useI18n();
  const session = useSession();
  const product = useLoad(() => api<Product>('GET', `/admin/products/${encodeURIComponent(id)}`), [id]);
  const [saved, setSaved] = useState<{ section: string; message: string } | null>(null);

  if (product.loading && !product.data) return <Loading />;
  if (!product.data) return <ErrorBanner error={product.error} onRetry={product.reload} />;
  const p = product.data;
  const canWrite = session.can('catalog:write');
  // The confirmation shows in the section that saved, where the user is looking.
  const notice = (section: string) => (saved?.section === section ? saved.message : null);
  const done =
    (section: string): Saved =>
    (next, message) => {
      product.setData(next);
      setSaved({ section, message });
    };

  return (
    <>
      <p>
        <Link to="/products">← {t('common.back')}</Link>
      </p>
      <PageTitle>{t('product.editTitle', { title: p.title })}</PageTitle>
      {created && !saved && <Notice>{t('product.created')}</Notice>}
      {!canWrite && <p className="hint">{t('common.readOnly')}</p>}
      <ProductDetails product={p} canWrite={canWrite} notice={notice('details')} onSaved={done('details')} />
      <ProductTranslations product={p} canWrite={canWrite} notice={notice('translations')} onSaved={done('translations')} />
      <ProductImages product={p} canWrite={canWrite} notice={notice('images')} onSaved={done('images')} />
      <ProductVariants product={p} canWrite={canWrite} notice={notice('variants')} onSaved={done('variants')} />
    </>
  );
}

interface DetailsDraft {
  title: string;
  subtitle: string;
  description: string;
  brand: string;
  tags: string;
  status: string;
}

function detailsOf(p: Product): DetailsDraft {
  return { title: p.title, subtitle: p.subtitle ?? '', description: p.description ?? '', brand: p.brand ?? '', tags: (p.tags ?? []).join(', '), status: p.status };
}

/** Tags as typed: comma-separated (either width of comma), blanks and repeats dropped. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,，]/).map((s) => s.trim()).filter(Boolean))];
}

/** The fields of the PATCH body that differ from the product as loaded. */
function changedDetails(p: Product, d: DetailsDraft): Record<string, unknown> {
  const was = detailsOf(p);
  const body: Record<string, unknown> = {};
  if (d.title.trim() !== was.title) body.title = d.title.trim();
  if (d.subtitle.trim() !== was.subtitle) body.subtitle = d.subtitle.trim() || null;
  if (d.description !== was.description) body.description = d.description.trim() ? d.description : null;
  if (d.brand.trim() !== was.brand) body.brand = d.brand.trim() || null;
  const tags = parseTags(d.tags);
  if (tags.join('\n') !== (p.tags ?? []).join('\n')) body.tags = tags;
  if (d.status !== was.status) body.status = d.status;
  return body;
}

const DETAIL_FIELDS = ['/title', '/subtitle', '/description', '/brand', '/tags', '/status'];

function ProductDetails({ product: p, canWrite, notice, onSaved }: { product: Product; canWrite: boolean; notice: string | null; onSaved: Saved }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<DetailsDraft | null>(null);
  const [local, setLocal] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const d = draft ?? detailsOf(p);
  const set = (key: keyof DetailsDraft, value: string) => setDraft({ ...d, [key]: value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!d.title.trim()) {
      setLocal(t('common.required'));
      return;
    }
    setLocal(undefined);
    const body = changedDetails(p, d);
    if (Object.keys(body).length === 0) {
      setDraft(null);
      onSaved(p, t('product.noChanges'));
      return;
    }
    setBusy(true);
    try {
      const updated = await api<Product>('PATCH', `/admin/products/${encodeURIComponent(p.id)}`, { body });
      setDraft(null);
      onSaved(updated, t('common.saved'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="product-details">
      <h2 id="product-details">{t('product.details')}</h2>
      <form onSubmit={submit} noValidate className="product-form">
        <FormError error={error} shown={(field) => DETAIL_FIELDS.some((f) => field === f || field.startsWith(`${f}/`))} />
        <fieldset disabled={!canWrite}>
          <legend className="visually-hidden">{t('product.details')}</legend>
          <div className="form-grid">
            <TextField label={t('products.handle')} value={p.handle} readOnly />
            <TextField label={t('products.name')} name="title" required value={d.title} onChange={(e) => (set('title', e.target.value), setLocal(undefined))} error={local ?? fieldError(error, '/title')} />
            <TextField label={t('product.subtitle')} name="subtitle" value={d.subtitle} onChange={(e) => set('subtitle', e.target.value)} error={fieldError(error, '/subtitle')} />
            <TextField label={t('product.brand')} name="brand" value={d.brand} onChange={(e) => set('brand', e.target.value)} error={fieldError(error, '/brand')} />
            <TextField label={t('product.tags')} name="tags" value={d.tags} onChange={(e) => set('tags', e.target.value)} hint={t('product.tagsHint')} error={fieldError(error, '/tags')} />
            <SelectField label={t('common.status')} name="status" value={d.status} onChange={(e) => set('status', e.target.value)} options={PRODUCT_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} error={fieldError(error, '/status')} />
          </div>
          <TextAreaField label={t('product.description')} name="description" rows={5} value={d.description} onChange={(e) => set('description', e.target.value)} error={fieldError(error, '/description')} />
          {notice && <Notice>{notice}</Notice>}
          {canWrite && (
            <button type="submit" disabled={busy}>
              {busy ? t('common.saving') : t('product.saveDetails')}
            </button>
          )}
        </fieldset>
      </form>
    </section>
  );
}
