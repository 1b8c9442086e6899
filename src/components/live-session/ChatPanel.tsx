import { type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useClassroom, useSession } from '../../client/react/session-context';
import { clockTime } from '../../client/chat/chat-log';
import { selectIsModerator } from '../../client/selectors';
import type { ChatMessage } from '../../protocol';
import { ChatMessageText } from './ChatMessageText';

/** The class chat: history, live messages, pending and failed sends, edit and delete. */
export function ChatPanel() {
  const session = useSession();
  const { messages, outgoing, hasOlder, loadingOlder, selfId, moderator } = useClassroom((s) => ({
    messages: s.chat.messages,
    outgoing: s.chat.outgoing,
    hasOlder: s.chat.hasOlder,
    loadingOlder: s.chat.loadingOlder,
    selfId: s.participants.self?.userId,
    moderator: selectIsModerator(s),
  }));
  const list = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const [behind, setBehind] = useState(false);
  const lastId = messages[messages.length - 1]?.id;
  const firstId = messages[0]?.id;
  const previousFirst = useRef<{ id?: string; height: number }>({ height: 0 });

  // Follow new messages unless the reader scrolled up; keep the view still when older ones load above.
  // Measured in the next frame, before it is painted: reading the list's height forces a layout of
  // the page, and when a class fills up, lines arrive several times a frame (one layout, not one each).
  useLayoutEffect(() => {
    const frame = requestAnimationFrame(() => {
      const el = list.current;
      if (!el) return;
      if (previousFirst.current.id && firstId !== previousFirst.current.id) {
        el.scrollTop += el.scrollHeight - previousFirst.current.height;
      } else if (pinned.current) {
        el.scrollTop = el.scrollHeight;
      } else {
        setBehind(true);
      }
      previousFirst.current = { id: firstId, height: el.scrollHeight };
    });
    return () => cancelAnimationFrame(frame);
  }, [lastId, firstId, outgoing.length]);

  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (pinned.current) setBehind(false);
    previousFirst.current.height = el.scrollHeight;
    if (el.scrollTop < 20 && hasOlder) void session.loadOlder();
  };

  const toNewest = () => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
    pinned.current = true;
    setBehind(false);
  };

  return (
    <section aria-label="Chat" className="relative flex min-h-0 flex-1 flex-col">
      <ol ref={list} onScroll={onScroll} aria-live="polite" className="flex min-h-0 flex-1 flex-col gap-2 overflow-y-auto p-2">
        {hasOlder ? (
          <li className="text-center">
            <button type="button" onClick={() => void session.loadOlder()} disabled={loadingOlder} className="text-xs text-sky-300 hover:underline">
              {loadingOlder ? 'Loading…' : 'Load older messages'}
            </button>
          </li>
        ) : null}
        {messages.map((m) => (
          <MessageItem
            key={m.id}
            message={m}
            own={m.userId === selfId && m.type === 'text'}
            // System lines are the class's record: only moderators remove them.
            canDelete={moderator || (m.type === 'text' && m.userId === selfId)}
          />
        ))}
        {outgoing.map((o) => (
          <li key={o.clientId} data-testid="chat-message" data-status={o.status} className="ml-8 self-end rounded-lg bg-sky-900/60 px-3 py-2">
            <ChatMessageText text={o.text} />
            {o.status === 'pending' ? (
              <span className="text-xs text-slate-400">Sending…</span>
            ) : (
              <span role="alert" className="flex flex-wrap items-center gap-2 text-xs text-red-300">
                Not sent{o.error ? `: ${o.error}` : ''}
                <button type="button" onClick={() => session.retryMessage(o.clientId)} className="rounded bg-slate-700 px-2 py-0.5 text-white">
                  Retry
                </button>
                <button type="button" onClick={() => session.discardMessage(o.clientId)} className="rounded px-2 py-0.5 text-slate-300">
                  Discard
                </button>
              </span>
            )}
          </li>
        ))}
      </ol>
      {behind ? (
        <button type="button" onClick={toNewest} className="absolute bottom-24 left-1/2 -translate-x-1/2 rounded-full bg-sky-600 px-3 py-1 text-xs shadow">
          New messages
        </button>
      ) : null}
      <Composer />
    </section>
  );
}

function MessageItem({ message, own, canDelete }: { message: ChatMessage; own: boolean; canDelete: boolean }) {
  const session = useSession();
  const [editing, setEditing] = useState(false);
  const draft = useRef<HTMLTextAreaElement>(null);

  if (message.type === 'system') {
    return (
      <li data-testid="chat-message" data-type="system" className="group flex items-center justify-center gap-2 text-center text-xs text-slate-400">
        <span>{message.text}</span>
        <span>{clockTime(message.createdAt)}</span>
        {canDelete ? <DeleteButton id={message.id} /> : null}
      </li>
    );
  }

  return (
    <li
      data-testid="chat-message"
      data-type="text"
      data-own={own ? 'true' : 'false'}
      className={`max-w-[85%] rounded-lg px-3 py-2 ${own ? 'ml-8 self-end bg-sky-900/60' : 'mr-8 self-start bg-slate-800'}`}
    >
      <div className="mb-0.5 flex flex-wrap items-center gap-1 text-xs text-slate-400">
        <span className="font-medium text-slate-200">{message.userName}</span>
        <span className="rounded bg-slate-700 px-1 capitalize">{message.role}</span>
        <time dateTime={message.createdAt}>{clockTime(message.createdAt)}</time>
        {message.editedAt ? <span>(edited)</span> : null}
      </div>
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const text = draft.current?.value ?? '';
            if (!text.trim()) return;
            void session.editMessage(message.id, text).then((r) => r.ok && setEditing(false));
          }}
          className="flex flex-col gap-1"
        >
          <textarea ref={draft} aria-label="Edit message" defaultValue={message.text} maxLength={2000} className="rounded bg-slate-900 p-1 text-sm" />
          <span className="flex gap-2 text-xs">
            <button type="submit" className="rounded bg-sky-700 px-2 py-0.5">
              Save
            </button>
            <button type="button" onClick={() => setEditing(false)} className="rounded px-2 py-0.5">
              Cancel
            </button>
          </span>
        </form>
      ) : (
        <ChatMessageText text={message.text} />
      )}
      {!editing && (own || canDelete) ? (
        <span className="mt-1 flex gap-2 text-xs">
          {own ? (
            <button type="button" onClick={() => setEditing(true)} className="text-slate-400 hover:text-white">
              Edit
            </button>
          ) : null}
          {canDelete ? <DeleteButton id={message.id} /> : null}
        </span>
      ) : null}
    </li>
  );
}

function DeleteButton({ id }: { id: string }) {
  const session = useSession();
  return (
    <button type="button" onClick={() => void session.deleteMessage(id)} className="text-xs text-slate-400 hover:text-red-300">
      Delete
    </button>
  );
}

/** Enter sends, Shift+Enter starts a new line. The box is read when sending, so any way text gets in counts. */
function Composer() {
  const session = useSession();
  const box = useRef<HTMLTextAreaElement>(null);
  const send = () => {
    const el = box.current;
    if (!el || !el.value.trim()) return;
    const value = el.value;
    el.value = '';
    void session.sendMessage(value);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      className="flex gap-2 border-t border-slate-800 p-2"
    >
      <textarea
        ref={box}
        aria-label="Message"
        onKeyDown={onKeyDown}
        rows={2}
        maxLength={2000}
        placeholder="Write a message"
        className="min-h-0 flex-1 resize-none rounded-lg bg-slate-800 px-2 py-1 text-sm ring-1 ring-slate-600 focus:outline-none focus:ring-sky-400"
      />
      <button type="submit" className="rounded-lg bg-sky-600 px-3 text-sm font-medium hover:bg-sky-500">
        Send
      </button>
    </form>
  );
}

/** The chat beside the video, with a toggle; an unread count while hidden. */
export function ChatDock() {
  const session = useSession();
  const { open, unread } = useClassroom((s) => ({ open: s.chat.open, unread: s.chat.unread }));
  // On a phone the video comes first: the chat starts folded away.
  useEffect(() => {
    if (window.matchMedia?.('(max-width: 767px)').matches) session.setChatOpen(false);
  }, [session]);
  return (
    <aside className={`flex min-h-0 flex-col border-slate-800 ${open ? 'h-72 max-h-[40%] border-t lg:h-auto lg:max-h-none lg:w-80 lg:border-l lg:border-t-0' : ''}`}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="chat-panel"
        onClick={() => session.setChatOpen(!open)}
        className="flex items-center gap-2 px-3 py-1.5 text-left text-sm text-slate-300 hover:bg-slate-900"
      >
        {open ? 'Hide chat' : 'Show chat'}
        {!open && unread > 0 ? (
          <span data-testid="chat-unread" aria-label={`${unread} unread messages`} className="rounded-full bg-sky-600 px-1.5 text-xs text-white">
            {unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div id="chat-panel" className="flex min-h-0 flex-1 flex-col">
          <ChatPanel />
        </div>
      ) : null}
    </aside>
  );
}
