import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { SessionProvider, useClassroom } from '../../../src/client/react/session-context';
import { SessionClient } from '../../../src/client/session-client';
import { ClassModeration } from '../../../src/components/admin-console/ClassModeration';
import { api, ApiError } from '../api';

interface LiveClass {
  id: string;
  title: string;
  tutor: string | null;
  tutorPresent: boolean;
  participants: number;
  raisedHands: number;
}

const keyName = 'classroom.adminToken';
const readKey = () => sessionStorage.getItem(keyName) ?? '';

/** The admin console: live classes, and one class to moderate live. `/admin` and `/admin/class/<id>`. */
export function AdminPage({ classId }: { classId?: string }) {
  const [key, setKey] = useState(readKey);
  const [problem, setProblem] = useState<string | null>(null);

  const signIn = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const value = String(new FormData(e.currentTarget).get('adminToken') ?? '').trim();
    sessionStorage.setItem(keyName, value);
    setProblem(null);
    setKey(value);
  };
  const refused = useCallback((message: string) => {
    sessionStorage.removeItem(keyName);
    setKey('');
    setProblem(message);
  }, []);

  return (
    <main className="mx-auto flex min-h-dvh max-w-4xl flex-col gap-4 p-4">
      <header className="flex items-center gap-3">
        <h1 className="flex-1 text-2xl font-semibold">Admin console</h1>
        {classId ? (
          <a href="/admin" className="text-sm text-sky-300 hover:underline">
            All classes
          </a>
        ) : null}
      </header>
      {problem ? (
        <p role="alert" className="text-red-300">
          {problem}
        </p>
      ) : null}
      {!key ? (
        <form onSubmit={signIn} className="flex flex-wrap items-end gap-2">
          <label className="flex flex-col gap-1 text-sm">
            Admin token
            <input name="adminToken" type="password" required className="rounded-lg bg-slate-800 px-3 py-2 ring-1 ring-slate-600" />
          </label>
          <button type="submit" className="rounded-lg bg-sky-600 px-4 py-2 font-medium hover:bg-sky-500">
            Open console
          </button>
        </form>
      ) : classId ? (
        <LiveClassConsole adminKey={key} classId={classId} onRefused={refused} />
      ) : (
        <ClassList adminKey={key} onRefused={refused} />
      )}
    </main>
  );
}

function ClassList({ adminKey, onRefused }: { adminKey: string; onRefused: (message: string) => void }) {
  const [classes, setClasses] = useState<LiveClass[] | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api<{ classes: LiveClass[] }>('/api/admin/classes', { token: adminKey })
        .then((r) => !stopped && setClasses(r.classes))
        .catch((err) => {
          if (err instanceof ApiError && (err.status === 401 || err.status === 404)) onRefused(err.message);
        });
    void load();
    const timer = setInterval(load, 3000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [adminKey, onRefused]);

  if (!classes) return <p role="status">Loading live classes…</p>;
  if (classes.length === 0) return <p className="text-slate-400">No class is live right now.</p>;
  return (
    <table className="w-full text-left text-sm" aria-label="Live classes">
      <thead className="text-xs text-slate-400">
        <tr>
          <th className="py-1">Class</th>
          <th>Tutor</th>
          <th>Participants</th>
          <th>Raised hands</th>
          <th className="sr-only">Open</th>
        </tr>
      </thead>
      <tbody>
        {classes.map((c) => (
          <tr key={c.id} data-testid="live-class" data-class-id={c.id} className="border-t border-slate-800">
            <td className="py-1.5">{c.title}</td>
            <td>{c.tutor ? `${c.tutor}${c.tutorPresent ? '' : ' (away)'}` : '—'}</td>
            <td>{c.participants}</td>
            <td>{c.raisedHands}</td>
            <td>
              <a href={`/admin/class/${encodeURIComponent(c.id)}`} className="rounded bg-sky-700 px-2 py-1 text-xs hover:bg-sky-600" aria-label={`Open ${c.title}`}>
                Open
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LiveClassConsole({ adminKey, classId, onRefused }: { adminKey: string; classId: string; onRefused: (m: string) => void }) {
  const [client, setClient] = useState<SessionClient | null>(null);
  useEffect(() => {
    let made: SessionClient | null = null;
    let cancelled = false;
    api<{ token: string }>('/api/admin/session-token', { method: 'POST', token: adminKey })
      .then(({ token }) => {
        if (cancelled) return;
        made = new SessionClient({ sessionId: classId, token, role: 'admin', iceServers: [], observer: true });
        setClient(made);
        return made.start();
      })
      .catch((err) => onRefused(err instanceof ApiError ? err.message : 'The class could not be opened.'));
    return () => {
      cancelled = true;
      made?.stop();
    };
  }, [adminKey, classId, onRefused]);
  if (!client) return <p role="status">Opening the class…</p>;
  return (
    <SessionProvider client={client}>
      <h2 className="text-lg font-semibold">Class {classId}</h2>
      <ConsoleNotice />
      <ClassModeration />
    </SessionProvider>
  );
}

function ConsoleNotice() {
  const notice = useClassroom((s) => s.ui.notice ?? (s.ui.ending && 'message' in s.ui.ending ? s.ui.ending.message : null));
  return notice ? (
    <p role="alert" className="text-sm text-amber-300">
      {notice}
    </p>
  ) : null;
}
