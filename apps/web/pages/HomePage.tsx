import { type FormEvent, useEffect, useState } from 'react';
import { api, ApiError } from '../api';

interface Created {
  class: { id: string; title: string; createdAt: string; largeClass: boolean };
  tutorToken: string;
  tutorLink: string;
  inviteLink: string;
}

/** The last tutor token this browser got: it proves who the tutor is when listing their classes. */
const tutorTokenKey = 'classroom.tutorToken';
const savedTutorToken = () => {
  try {
    return localStorage.getItem(tutorTokenKey) ?? undefined;
  } catch {
    return undefined;
  }
};

const input = 'w-full rounded-lg bg-slate-800 px-3 py-2 ring-1 ring-slate-600 focus:outline-none focus:ring-sky-400';

/** Where a tutor starts a class and gets the two links. */
export function HomePage() {
  const [created, setCreated] = useState<Created | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recent, setRecent] = useState<Created[]>([]);

  useEffect(() => {
    const token = savedTutorToken();
    if (!token) return;
    api<{ classes: Created[] }>('/api/classes/mine', { token })
      .then((r) => setRecent(r.classes))
      .catch(() => undefined);
  }, []);

  async function start(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    // Read the fields at submit time: uncontrolled inputs see every way text gets in (autofill, automation).
    const form = new FormData(e.currentTarget);
    const title = String(form.get('title') ?? '');
    const name = String(form.get('tutorName') ?? '');
    const largeClass = form.get('largeClass') === 'on';
    setBusy(true);
    setError(null);
    try {
      const made = await api<Created>('/api/classes', { method: 'POST', body: { title, tutorName: name, largeClass }, token: savedTutorToken() });
      try {
        localStorage.setItem(tutorTokenKey, made.tutorToken);
      } catch {
        // Private mode: the class works, only the list of recent classes is not kept.
      }
      setCreated(made);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The class could not be started.');
    } finally {
      setBusy(false);
    }
  }

  const absolute = (path: string) => new URL(path, window.location.origin).toString();

  return (
    <main className="mx-auto flex min-h-dvh max-w-xl flex-col justify-center gap-6 p-6">
      <h1 className="text-3xl font-semibold">Live classroom</h1>
      {!created ? (
        <form onSubmit={start} className="flex flex-col gap-3">
          <label className="flex flex-col gap-1 text-sm">
            Class title
            <input className={input} name="title" required maxLength={120} />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Your name
            <input className={input} name="tutorName" required maxLength={80} />
          </label>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" name="largeClass" data-testid="large-class" className="mt-1 h-4 w-4 accent-sky-500" aria-describedby="large-class-hint" />
            <span>
              Large class (many students expected)
              <span id="large-class-hint" className="block text-xs text-slate-400">
                Video goes through the media server from the start, so you send it once whatever the class size.
              </span>
            </span>
          </label>
          <button type="submit" disabled={busy} className="rounded-lg bg-sky-600 px-4 py-2 font-medium hover:bg-sky-500 disabled:opacity-50">
            Start class
          </button>
          {error ? (
            <p role="alert" className="text-red-400">
              {error}
            </p>
          ) : null}
        </form>
      ) : (
        <section aria-label="Class links" className="flex flex-col gap-4">
          <p>
            <strong>{created.class.title}</strong> is ready{created.class.largeClass ? ', as a large class' : ''}.
          </p>
          <LinkField label="Your tutor link (keep it to yourself)" value={absolute(created.tutorLink)} testId="tutor-link" />
          <LinkField label="Student invite link (share it with the class)" value={absolute(created.inviteLink)} testId="invite-link" />
          <a href={created.tutorLink} className="rounded-lg bg-sky-600 px-4 py-2 text-center font-medium hover:bg-sky-500">
            Open the class
          </a>
        </section>
      )}
      {recent.length > 0 ? (
        <section aria-labelledby="recent-title" className="flex flex-col gap-2">
          <h2 id="recent-title" className="text-lg font-semibold">
            Your recent classes
          </h2>
          <ul className="flex flex-col gap-2" data-testid="recent-classes">
            {recent.map((c) => (
              <li key={c.class.id} className="flex items-center gap-2 rounded-lg bg-slate-900 px-3 py-2 ring-1 ring-slate-700">
                <span className="flex-1 truncate">{c.class.title}</span>
                {c.class.largeClass ? <span className="rounded bg-slate-700 px-1.5 text-xs text-slate-200">large</span> : null}
                <time className="text-xs text-slate-400" dateTime={c.class.createdAt}>
                  {new Date(c.class.createdAt).toLocaleString()}
                </time>
                <a href={c.tutorLink} className="rounded bg-sky-700 px-2 py-1 text-sm hover:bg-sky-600">
                  Open
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </main>
  );
}

function LinkField({ label, value, testId }: { label: string; value: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <label className="flex flex-col gap-1 text-sm">
      {label}
      <span className="flex gap-2">
        <input data-testid={testId} readOnly value={value} className={input} onFocus={(e) => e.target.select()} />
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
          className="rounded-lg bg-slate-700 px-3 hover:bg-slate-600"
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </span>
    </label>
  );
}
