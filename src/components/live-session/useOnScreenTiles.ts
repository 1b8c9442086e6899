import { useEffect } from 'react';
import { useSession } from '../../client/react/session-context';

/**
 * Tells the session client which remote tiles are on screen, so a large class receives only
 * those. Reported as a set (sorted): tiles reordering within a page is not a change of what to receive.
 */
export function useOnScreenTiles(socketIds: readonly string[]) {
  const session = useSession();
  // A joined key: the effect runs when the set changes, not on every render's new array.
  const key = [...socketIds].sort().join('\n');
  useEffect(() => {
    session.setOnScreen(key ? key.split('\n') : []);
  }, [key, session]);
  // Gone from the screen: nothing limits what is received any more.
  useEffect(() => () => session.setOnScreen(null), [session]);
}
