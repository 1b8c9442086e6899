import { classPath } from './class-head-start';
import { AdminPage } from './pages/AdminPage';
import { ClassPage } from './pages/ClassPage';
import { HomePage } from './pages/HomePage';
import { JoinPage } from './pages/JoinPage';
import { MessagePage } from './pages/MessagePage';

/** Three pages, chosen by the path: no router needed. */
export function App() {
  const { pathname, search } = window.location;
  const session = classPath.exec(pathname);
  if (session) return <ClassPage sessionId={decodeURIComponent(session[1])} search={search} />;
  const join = /^\/join\/([^/]+)\/?$/.exec(pathname);
  if (join) return <JoinPage sessionId={decodeURIComponent(join[1])} search={search} />;
  if (pathname === '/' || pathname === '') return <HomePage />;
  if (pathname === '/admin' || pathname === '/admin/') return <AdminPage />;
  const admin = /^\/admin\/class\/([^/]+)\/?$/.exec(pathname);
  if (admin) return <AdminPage classId={decodeURIComponent(admin[1])} />;
  return <MessagePage title="Page not found" message="There is nothing at this address." />;
}
