import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, configureApi } from './api';

/** The signed-in staff member as `/admin/auth/login` and `/admin/me` return it. */
export interface StaffMember {
  id: string;
  email: string;
  name: string;
  role: string;
  permissions: string[];
}

interface Stored {
  token: string;
  staff: StaffMember;
}

interface Session {
  staff: StaffMember | null;
  /** Set when the API refused the stored token, so sign-in can say why. */
  expired: boolean;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  can(permission: string): boolean;
}

// sessionStorage: the token lives as long as the tab, never shared with other tabs or kept on disk.
const STORAGE_KEY = 'bazaar.console.session';

function load(): Stored | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Stored) : null;
  } catch {
    return null;
  }
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [stored, setStored] = useState<Stored | null>(load);
  const [expired, setExpired] = useState(false);

  const save = useCallback((next: Stored | null) => {
    if (next) window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else window.sessionStorage.removeItem(STORAGE_KEY);
    setStored(next);
  }, []);

  // Configured during render so children's first effects already send the token.
  configureApi(stored?.token ?? null, () => {
    setExpired(true);
    save(null);
  });

  // The role may have changed since sign-in: refresh it once per page load.
  const token = stored?.token;
  useEffect(() => {
    if (!token) return;
    api<StaffMember>('GET', '/admin/me')
      .then((staff) => save({ token, staff }))
      .catch(() => {});
  }, [token, save]);

  const value = useMemo<Session>(
    () => ({
      staff: stored?.staff ?? null,
      expired,
      async signIn(email, password) {
        const result = await api<{ token: string; staff: StaffMember }>('POST', '/admin/auth/login', { body: { email, password } });
        setExpired(false);
        save({ token: result.token, staff: result.staff });
      },
      async signOut() {
        try {
          await api('POST', '/admin/auth/logout');
        } finally {
          save(null);
        }
      },
      can: (permission) => stored?.staff.permissions.includes(permission) ?? false,
    }),
    [stored, expired, save],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
