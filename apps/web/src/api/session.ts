/** The signed-in session (tokens and user), kept in localStorage so a reload stays signed in. */
import { useSyncExternalStore } from 'react';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  is_instance_admin: boolean;
}

export interface Session {
  access_token: string;
  refresh_token: string;
  expires_at: string;
  user: SessionUser;
}

const STORAGE_KEY = 'blobhub.session';
const listeners = new Set<() => void>();
let current: Session | null = readStored();

function readStored(): Session | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function publish(next: Session | null) {
  current = next;
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener();
}

export const session = {
  get: () => current,
  signIn: (next: Session) => publish(next),
  update: (tokens: Pick<Session, 'access_token' | 'expires_at'>) => current && publish({ ...current, ...tokens }),
  signOut: () => publish(null),
  subscribe: (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export const useSession = () => useSyncExternalStore(session.subscribe, session.get);
