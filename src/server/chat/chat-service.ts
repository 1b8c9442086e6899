import type { ChatMessage, ServerEventName, ServerEventPayload } from '../../protocol';
import type { ClassNote } from '../classroom/class-state';
import { ClassroomError, forbidden, notFound } from '../classroom/errors';
import type { Identity } from '../classroom/identity';
import { authorize } from '../classroom/permissions';
import { type ChatStore, type HistoryQuery, toChatMessage } from './chat-store';

/** Sends an event to everyone in a class, on whichever node they are. */
export type PublishToClass = <E extends ServerEventName>(sessionId: string, event: E, payload: ServerEventPayload<E>) => void;

export interface ChatService {
  post(author: Identity, sessionId: string, text: string): Promise<ChatMessage>;
  edit(actor: Identity, sessionId: string, id: string, text: string): Promise<ChatMessage>;
  remove(actor: Identity, sessionId: string, id: string): Promise<void>;
  history(sessionId: string, query?: HistoryQuery): Promise<ChatMessage[]>;
  /** A class note as the system message it becomes: its id and time are given now, so an event can carry it. */
  draftNote(sessionId: string, note: ClassNote): ChatMessage;
  /**
   * Stores what the class rules noted (joins, leaves, moderation) as system messages, in order; each
   * not `announced` by an event that carried it is then broadcast as a `chat-message`.
   */
  recordNotes(sessionId: string, notes: { message: ChatMessage; announced: boolean }[]): Promise<void>;
}

/**
 * The chat's rules: who may post, edit and delete, and that a message is broadcast only after it is
 * stored. Socket and HTTP handlers both go through here.
 */
export function createChatService({
  store,
  publish,
  now = () => new Date(),
}: {
  store: ChatStore;
  publish: PublishToClass;
  now?: () => Date;
}): ChatService {
  async function ownMessage(sessionId: string, id: string): Promise<ChatMessage> {
    const message = await store.get(id);
    if (!message || message.sessionId !== sessionId) throw notFound('no such message in this class');
    return message;
  }

  return {
    async post(author, sessionId, text) {
      const message = await store.append({
        sessionId,
        userId: author.userId,
        userName: author.name,
        role: author.role,
        text,
        type: 'text',
      });
      publish(sessionId, 'chat-message', message);
      return message;
    },

    async edit(actor, sessionId, id, text) {
      const message = await ownMessage(sessionId, id);
      if (message.type !== 'text' || message.userId !== actor.userId) throw forbidden('only the author edits a message');
      const edited = await store.edit(id, text);
      publish(sessionId, 'chat-message-updated', edited);
      return edited;
    },

    async remove(actor, sessionId, id) {
      const message = await ownMessage(sessionId, id);
      if (message.userId !== actor.userId || message.type !== 'text') {
        authorize(actor.role, 'delete-chat-message-of-other', message.type === 'text' ? message.role : undefined);
      }
      await store.remove(id);
      publish(sessionId, 'chat-message-deleted', { id, sessionId });
    },

    history(sessionId, query) {
      return store.history(sessionId, query);
    },

    draftNote(sessionId, { text, by }) {
      return toChatMessage({ sessionId, userId: by.userId, userName: by.name, role: by.role, text, type: 'system' }, now);
    },

    async recordNotes(sessionId, notes) {
      // Appended together: the store commits them in this order (one batch when it can).
      const stored = await Promise.allSettled(notes.map(({ message, announced }) => store.append(message, { announced })));
      let failure: unknown;
      for (const [i, outcome] of stored.entries()) {
        if (outcome.status === 'rejected') failure ??= outcome.reason;
        else if (!notes[i].announced) publish(sessionId, 'chat-message', outcome.value);
      }
      if (failure) throw failure;
    },
  };
}

export { ClassroomError };
