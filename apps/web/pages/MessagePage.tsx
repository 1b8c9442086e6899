import type { ReactNode } from 'react';

/** A full page with one message: an error, a goodbye. */
export function MessagePage({ title, message, testId, children }: { title: string; message: string; testId?: string; children?: ReactNode }) {
  return (
    <main data-testid={testId} className="mx-auto flex min-h-dvh max-w-lg flex-col items-center justify-center gap-4 p-6 text-center">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p role="alert" className="text-slate-300">
        {message}
      </p>
      {children}
    </main>
  );
}
