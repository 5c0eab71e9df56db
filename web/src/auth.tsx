/**
 * Session state of the signed-in user. The session itself is an HttpOnly cookie the server sets; the
 * browser only ever sees the user and the CSRF token, which it must echo on writes (see api.ts).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, apiFetch, setCsrfToken } from './api.ts';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: string;
  orgId: string | null;
}

export type AuthState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'authenticated'; user: User };

interface AuthValue {
  state: AuthState;
  /** @throws ApiError with the server's problem (e.g. wrong password, too many attempts). */
  login: (username: string, password: string) => Promise<User>;
  logout: () => Promise<void>;
}

/** Accepts the server's `{ user, csrfToken }`; anything else is a contract break. */
function parseSession(body: unknown): { user: User; csrfToken: string } {
  if (typeof body === 'object' && body !== null) {
    const { user, csrfToken } = body as { user?: unknown; csrfToken?: unknown };
    if (typeof user === 'object' && user !== null && typeof csrfToken === 'string') {
      const u = user as Record<string, unknown>;
      if (typeof u.username === 'string') {
        return {
          csrfToken,
          user: {
            id: String(u.id ?? ''),
            username: u.username,
            displayName: typeof u.displayName === 'string' && u.displayName ? u.displayName : u.username,
            role: typeof u.role === 'string' ? u.role : '',
            orgId: typeof u.orgId === 'string' ? u.orgId : null,
          },
        };
      }
    }
  }
  throw new ApiError({ status: 200, code: 'bad_response', message: 'Unexpected session response' });
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    apiFetch('/api/auth/me', { signal: controller.signal })
      .then((body) => {
        const session = parseSession(body);
        setCsrfToken(session.csrfToken);
        setState({ status: 'authenticated', user: session.user });
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        // 401 is the normal anonymous answer; if the server is unreachable we are anonymous too.
        setCsrfToken(null);
        setState({ status: 'anonymous' });
        if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 0)) console.warn('auth/me', error);
      });
    return () => controller.abort();
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const session = parseSession(await apiFetch('/api/auth/login', { method: 'POST', body: { username, password } }));
    setCsrfToken(session.csrfToken);
    setState({ status: 'authenticated', user: session.user });
    return session.user;
  }, []);

  const logout = useCallback(async () => {
    try {
      await apiFetch('/api/auth/logout', { method: 'POST' });
    } finally {
      // Forget the session locally even if the server already dropped it.
      setCsrfToken(null);
      setState({ status: 'anonymous' });
    }
  }, []);

  const value = useMemo(() => ({ state, login, logout }), [state, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** @throws Error when used outside `<AuthProvider>`. */
export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}
