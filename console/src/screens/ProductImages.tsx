import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useI18n } from '../i18n';
import type { Product } from '../types';
import { fieldError, FormError, Notice, TextField } from '../ui';
import type { Saved } from './ProductEdit';

interface ImageDraft {
  key: number;
  url: string;
  alt: string;
}

let nextKey = 1;

function draftsOf(p: Product): ImageDraft[] {
  // Stable keys for the stored list (negative), so an unedited list never remounts its rows.
  return [...(p.images ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0)).map((img, i) => ({ key: -(i + 1), url: img.url, alt: img.alt ?? '' }));
}

/** Moves the item at `from` by `by` places (−1 up, +1 down); out-of-range moves change nothing. */
export function move<T>(items: readonly T[], from: number, by: number): T[] {
  const to = from + by;
  if (to < 0 || to >= items.length) return [...items];
  const next = [...items];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item!);
  return next;
}

/** The product's images in display order: add, remove, reorder, then save the whole list. */
export function ProductImages({ product: p, canWrite, notice, onSaved }: { product: Product; canWrite: boolean; notice: string | null; onSaved: Saved }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<ImageDraft[] | null>(null);
  const [local, setLocal] = useState<Record<number, string>>({});
  const [fresh, setFresh] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [moved, setMoved] = useState<{ key: number; dir: 'up' | 'down' } | null>(null);
  const rows = draft ?? draftsOf(p);
  // Reordering moves DOM nodes, which drops the focus: put it back on the button just used.
  useEffect(() => {
    if (moved) document.querySelector<HTMLButtonElement>(`[data-move="${moved.key}-${moved.dir}"]`)?.focus();
  }, [moved]);
  const shift = (i: number, key: number, dir: 'up' | 'down') => {
    setDraft(move(rows, i, dir === 'up' ? -1 : 1));
    setMoved({ key, dir });
  };
  // API problems point at positions in the list as sent; they are stale once it is rearranged.
  const [sentKeys, setSentKeys] = useState<number[]>([]);
  const problem = (key: number, field: 'url' | 'alt') => {
    const sent = sentKeys.indexOf(key);
    return (field === 'url' ? local[key] : undefined) ?? (sent >= 0 ? fieldError(error, `/images/${sent}/${field}`) : undefined);
  };
  const change = (key: number, field: 'url' | 'alt', value: string) => {
    setDraft(rows.map((r) => (r.key === key ? { ...r, [field]: value } : r)));
    if (field === 'url') setLocal(({ [key]: _gone, ...rest }) => rest);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const problems: Record<number, string> = {};
    for (const r of rows) if (!/^https?:\/\/\S+$/.test(r.url.trim())) problems[r.key] = t('images.urlInvalid');
    setLocal(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    setSentKeys(rows.map((r) => r.key));
    try {
      const images = rows.map((r, i) => ({ url: r.url.trim(), alt: r.alt.trim() || null, position: i }));
      const updated = await api<Product>('PATCH', `/admin/products/${encodeURIComponent(p.id)}`, { body: { images } });
      setDraft(null);
      onSaved(updated, t('images.saved'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const add = () => {
    const key = nextKey++;
    setFresh(key);
    setDraft([...rows, { key, url: '', alt: '' }]);
  };

  return (
    <section aria-labelledby="product-images">
      <h2 id="product-images">{t('images.title')}</h2>
      <form onSubmit={submit} noValidate className="product-form">
        <FormError error={error} shown={(field) => /^\/images\/\d+\/(url|alt)$/.test(field)} />
        {rows.length === 0 && <p className="state empty">{t('images.empty')}</p>}
        {rows.map((r, i) => (
          <fieldset key={r.key} className="image-row" disabled={!canWrite}>
            <legend>{t('images.image', { n: i + 1 })}</legend>
            {/^https?:\/\/\S+$/.test(r.url.trim()) ? <img className="thumb" src={r.url.trim()} alt="" loading="lazy" width={64} height={64} /> : <span className="thumb" aria-hidden="true" />}
            <div className="image-fields">
              <TextField label={t('images.url')} name={`image-${i}-url`} type="url" inputMode="url" autoFocus={r.key === fresh} value={r.url} onChange={(e) => change(r.key, 'url', e.target.value)} error={problem(r.key, 'url')} />
              <TextField label={t('images.alt')} name={`image-${i}-alt`} value={r.alt} onChange={(e) => change(r.key, 'alt', e.target.value)} hint={t('images.altHint')} error={problem(r.key, 'alt')} />
            </div>
            {canWrite && (
              <div className="inline-actions">
                {/* aria-disabled rather than disabled: a button that reaches the end keeps the focus. */}
                <button type="button" className="secondary" data-move={`${r.key}-up`} aria-disabled={i === 0 || undefined} onClick={() => shift(i, r.key, 'up')}>
                  {t('images.up')}
                </button>
                <button type="button" className="secondary" data-move={`${r.key}-down`} aria-disabled={i === rows.length - 1 || undefined} onClick={() => shift(i, r.key, 'down')}>
                  {t('images.down')}
                </button>
                <button type="button" className="secondary" onClick={() => setDraft(rows.filter((x) => x.key !== r.key))}>
                  {t('common.remove')}
                </button>
              </div>
            )}
          </fieldset>
        ))}
        {notice && <Notice>{notice}</Notice>}
        {canWrite && (
          <div className="row">
            <button type="button" className="secondary" onClick={add} disabled={rows.length >= 50}>
              {t('images.add')}
            </button>
            <button type="submit" disabled={busy}>
              {busy ? t('common.saving') : t('images.save')}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
