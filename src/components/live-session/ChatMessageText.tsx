import { linkify } from '../../client/chat/chat-log';

/** Message text as text: nothing in it is ever markup; http(s) links become safe links. */
export function ChatMessageText({ text }: { text: string }) {
  return (
    <p className="whitespace-pre-wrap break-words text-sm">
      {linkify(text).map((part, i) =>
        part.kind === 'link' ? (
          <a key={i} href={part.value} target="_blank" rel="noopener noreferrer" className="text-sky-300 underline">
            {part.value}
          </a>
        ) : (
          <span key={i}>{part.value}</span>
        ),
      )}
    </p>
  );
}
