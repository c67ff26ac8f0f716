import { useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { errorText, TextField } from '../ui';
import { LanguageSwitch } from './Shell';

/** Staff sign-in: POST /admin/auth/login; problems shown next to the field they concern. */
export function SignIn() {
  const { t } = useI18n();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ email?: string; password?: string }>({});
  const [formError, setFormError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local: { email?: string; password?: string } = {};
    if (!email.trim()) local.email = t('common.required');
    if (!password) local.password = t('common.required');
    setFieldErrors(local);
    setFormError(null);
    if (local.email || local.password) return;
    setBusy(true);
    try {
      await session.signIn(email.trim(), password);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setFieldErrors({ password: t('signIn.failed') });
      else if (error instanceof ApiError && error.status === 429) setFormError(t('signIn.throttled'));
      else if (error instanceof ApiError && error.fields.length) setFieldErrors({ email: error.fieldMessage('/email'), password: error.fieldMessage('/password') });
      else setFormError(errorText(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <form onSubmit={submit} noValidate aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        {session.expired && !formError && <p className="banner info">{t('signIn.expired')}</p>}
        {formError && (
          <p role="alert" className="banner error">
            {formError}
          </p>
        )}
        <TextField label={t('signIn.email')} type="email" name="email" autoComplete="username" value={email} onChange={(e) => (setEmail(e.target.value), setFieldErrors((f) => ({ ...f, email: undefined })))} error={fieldErrors.email} autoFocus />
        <TextField label={t('signIn.password')} type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => (setPassword(e.target.value), setFieldErrors((f) => ({ ...f, password: undefined })))} error={fieldErrors.password} />
        <button type="submit" disabled={busy}>
          {busy ? t('signIn.busy') : t('signIn.submit')}
        </button>
        <LanguageSwitch />
      </form>
    </main>
  );
}
