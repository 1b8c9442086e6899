import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { SessionClient } from '../session-client';
import type { ClassroomState } from '../store';

const SessionContext = createContext<SessionClient | null>(null);

export function SessionProvider({ client, children }: { client: SessionClient; children: ReactNode }) {
  return <SessionContext.Provider value={client}>{children}</SessionContext.Provider>;
}

/** The session client, for calling commands. */
export function useSession(): SessionClient {
  const client = useContext(SessionContext);
  if (!client) throw new Error('useSession is used outside a SessionProvider');
  return client;
}

/** A slice of the classroom state; re-renders only when the selected value changes (shallowly). */
export function useClassroom<T>(selector: (s: ClassroomState) => T): T {
  return useStore(useSession().store, useShallow(selector));
}

/** A live MediaStream by key: a participant's socket id, or the local stream. */
export function useStream(key: string): MediaStream | null {
  const { streams } = useSession();
  return useSyncExternalStore(streams.subscribe, () => streams.get(key));
}
