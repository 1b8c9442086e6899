import { type FormEvent, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { MessagePage } from './MessagePage';

/** A student's invite link: type a name, get a join token, enter the class. */
export function JoinPage({ sessionId, search }: { sessionId: string; search: string }) {
  const invite = new URLSearchParams(search).get('invite') ?? '';
  const [title, setTitle] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<{ class: { title: string } }>(`/api/classes/${encodeURIComponent(sessionId)}/invite?invite=${encodeURIComponent(invite)}`)
      .then((r) => setTitle(r.class.title))
      .catch((err) => setProblem(err instanceof ApiError ? err.message : 'This invite cannot be used.'));
  }, [sessionId, invite]);

  async function join(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const name = String(new FormData(e.currentTarget).get('name') ?? '');
    setBusy(true);
    try {
      const { link } = await api<{ link: string }>(`/api/classes/${encodeURIComponent(sessionId)}/students`, {
        method: 'POST',
        body: { invite, name },
      });
      window.location.assign(link);
    } catch (err) {
      setProblem(err instanceof ApiError ? err.message : 'You could not join the class.');
      setBusy(false);
    }
  }

  if (problem) return <MessagePage testId="session-error" title="Can't join this class" message={problem} />;
  if (title === null) return <MessagePage title="Opening the invite…" message="One moment." />;
  return (
    <main className="mx-auto flex min-h-dvh max-w-md flex-col justify-center gap-4 p-6">
      <h1 className="text-2xl font-semibold">Join {title}</h1>
      <form onSubmit={join} className="flex flex-col gap-3">
        <label className="flex flex-col gap-1 text-sm">
          Your name
          <input
            className="rounded-lg bg-slate-800 px-3 py-2 ring-1 ring-slate-600 focus:outline-none focus:ring-sky-400"
            name="name"
            required
            maxLength={80}
            autoFocus
          />
        </label>
        <button type="submit" disabled={busy} className="rounded-lg bg-sky-600 px-4 py-2 font-medium hover:bg-sky-500 disabled:opacity-50">
          Join class
        </button>
      </form>
    </main>
  );
}
