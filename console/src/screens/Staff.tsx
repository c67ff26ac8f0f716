import { useState, type FormEvent } from 'react';
import { api, type Page } from '../api';
import { dateTime } from '../format';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import type { StaffRow } from '../types';
import { ConfirmDialog, fieldError, FormError, Notice, PagedTable, PageTitle, SelectField, StatusBadge, TextField, useLoad, usePager } from '../ui';

const ROLES = ['owner', 'admin', 'operator', 'support'] as const;

type Pending = { kind: 'role'; member: StaffRow; role: string } | { kind: 'active'; member: StaffRow; active: boolean };

/** Staff: filter by role and status, add a member, change a role, deactivate or reactivate. */
export function Staff() {
  const { t, locale } = useI18n();
  const session = useSession();
  const [role, setRole] = useState('');
  const [active, setActive] = useState('true');
  const pager = usePager(`${role}|${active}`);
  const list = useLoad(() => api<Page<StaffRow>>('GET', '/admin/staff', { query: { role, active, cursor: pager.cursor, limit: 20 } }), [role, active, pager.cursor]);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [roles, setRoles] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const canWrite = session.can('staff:write');
  // Only an owner may grant the owner role or change an owner (the API refuses others anyway).
  const isOwner = session.staff?.role === 'owner';
  const grantable = ROLES.filter((r) => r !== 'owner' || isOwner);
  const roleLabel = (r: string) => (ROLES.includes(r as (typeof ROLES)[number]) ? t(`role.${r as (typeof ROLES)[number]}`) : r);

  const apply = async () => {
    if (!pending) return;
    setBusy(true);
    setError(null);
    try {
      const body = pending.kind === 'role' ? { role: pending.role } : { active: pending.active };
      await api('PATCH', `/admin/staff/${pending.member.id}`, { body });
      setNotice(pending.kind === 'role' ? t('staff.roleChangedOk', { name: pending.member.name }) : pending.active ? t('staff.reactivatedOk', { name: pending.member.name }) : t('staff.deactivatedOk', { name: pending.member.name }));
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setPending(null);
      setBusy(false);
    }
  };

  /** A member's role and activation controls, where this viewer may change them. */
  const actions = (m: StaffRow) => {
    const self = m.id === session.staff?.id;
    const editable = canWrite && !self && (m.role !== 'owner' || isOwner);
    const chosen = roles[m.id] ?? m.role;
    if (!editable) return <span className="hint">{self ? t('staff.you') : '—'}</span>;
    return (
      <div className="inline-actions">
        <label className="visually-hidden" htmlFor={`role-${m.id}`}>
          {t('staff.roleFor', { name: m.name })}
        </label>
        <select id={`role-${m.id}`} value={chosen} onChange={(e) => setRoles((r) => ({ ...r, [m.id]: e.target.value }))}>
          {grantable.map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </select>
        <button type="button" className="secondary" disabled={chosen === m.role || busy} onClick={() => setPending({ kind: 'role', member: m, role: chosen })}>
          {t('staff.changeRole')}
        </button>
        {m.active ? (
          <button type="button" className="danger" disabled={busy} onClick={() => setPending({ kind: 'active', member: m, active: false })}>
            {t('staff.deactivate')}
          </button>
        ) : (
          <button type="button" className="secondary" disabled={busy} onClick={() => setPending({ kind: 'active', member: m, active: true })}>
            {t('staff.reactivate')}
          </button>
        )}
      </div>
    );
  };

  return (
    <>
      <PageTitle>{t('staff.title')}</PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <FormError error={error} />
      <div className="filters">
        <SelectField label={t('staff.role')} value={role} onChange={(e) => setRole(e.target.value)} options={[{ value: '', label: t('common.all') }, ...ROLES.map((r) => ({ value: r, label: roleLabel(r) }))]} />
        <SelectField
          label={t('common.status')}
          value={active}
          onChange={(e) => setActive(e.target.value)}
          options={[
            { value: '', label: t('common.all') },
            { value: 'true', label: t('status.active') },
            { value: 'false', label: t('status.inactive') },
          ]}
        />
      </div>
      <PagedTable
        list={list}
        pager={pager}
        empty={t('staff.empty')}
        rowKey={(m) => m.id}
        rowAttributes={(m) => ({ 'data-staff-id': m.id })}
        columns={[
          { header: t('customers.name'), cell: (m) => m.name },
          { header: t('customers.email'), cell: (m) => m.email },
          { header: t('staff.role'), cell: (m) => roleLabel(m.role) },
          { header: t('common.status'), cell: (m) => <StatusBadge status={m.active ? 'active' : 'inactive'} /> },
          { header: t('staff.lastLogin'), cell: (m) => (m.lastLoginAt ? dateTime(m.lastLoginAt, locale) : '—') },
          canWrite && { header: t('order.actions'), cell: actions },
        ]}
      />
      <ConfirmDialog
        open={pending !== null}
        message={
          pending?.kind === 'role'
            ? t('staff.roleConfirm', { name: pending.member.name, role: roleLabel(pending.role) })
            : pending?.active
              ? t('staff.reactivateConfirm', { name: pending.member.name })
              : t('staff.deactivateConfirm', { name: pending?.member.name ?? '' })
        }
        confirmLabel={pending?.kind === 'role' ? t('staff.changeRole') : pending?.active ? t('staff.reactivate') : t('staff.deactivate')}
        busy={busy}
        onConfirm={() => void apply()}
        onCancel={() => setPending(null)}
      />
      {canWrite && (
        <AddStaff
          roles={grantable}
          roleLabel={roleLabel}
          onDone={(m) => {
            setNotice(t('staff.addedOk', { name: m.name }));
            list.reload();
          }}
        />
      )}
    </>
  );
}

function AddStaff({ roles, roleLabel, onDone }: { roles: readonly string[]; roleLabel(role: string): string; onDone(member: StaffRow): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState('support');
  const [password, setPassword] = useState('');
  const [local, setLocal] = useState<{ email?: string; name?: string; password?: string }>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const problems = {
      email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) ? undefined : t('staff.emailInvalid'),
      name: name.trim() ? undefined : t('common.required'),
      password: password.length >= 8 ? undefined : t('staff.passwordShort'),
    };
    setLocal(problems);
    if (Object.values(problems).some(Boolean)) return;
    setBusy(true);
    try {
      const created = await api<StaffRow>('POST', '/admin/staff', { body: { email: email.trim(), name: name.trim(), role, password } });
      setEmail('');
      setName('');
      setPassword('');
      onDone(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="staff-add">
      <fieldset>
        <legend id="staff-add">{t('staff.add')}</legend>
        <FormError error={error} />
        <div className="form-grid">
          <TextField label={t('customers.email')} name="staffEmail" type="email" autoComplete="off" required value={email} onChange={(e) => setEmail(e.target.value)} error={local.email ?? fieldError(error, '/email')} />
          <TextField label={t('customers.name')} name="staffName" required value={name} onChange={(e) => setName(e.target.value)} error={local.name ?? fieldError(error, '/name')} />
          <SelectField label={t('staff.role')} name="staffRole" value={role} onChange={(e) => setRole(e.target.value)} options={roles.map((r) => ({ value: r, label: roleLabel(r) }))} />
          <TextField label={t('staff.password')} name="staffPassword" type="password" autoComplete="new-password" hint={t('staff.passwordHint')} required value={password} onChange={(e) => setPassword(e.target.value)} error={local.password ?? fieldError(error, '/password')} />
        </div>
        <button type="submit" disabled={busy}>
          {t('staff.add')}
        </button>
      </fieldset>
    </form>
  );
}
