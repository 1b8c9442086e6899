import { expect } from 'vitest';
import type { ChatMessage } from '../../src/protocol';
import { type ChatStore, createMemoryChatStore, type NewChatMessage } from '../../src/server/chat/chat-store';
import { emitAck, expectOk, nextEvent, type TestServer, type TestSocket } from '../helpers/server';

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One `append` the store is holding: the test decides when (and whether) it commits. */
export interface HeldAppend {
  input: NewChatMessage;
  /** Commits the message to the memory store underneath and lets `append` resolve with it. */
  commit(): Promise<ChatMessage>;
  /** Makes `append` reject, as a failed write would. */
  fail(err?: Error): void;
}

/**
 * A memory chat store whose `append` of text messages (not system notes) is a deferred promise the
 * test controls while `holding` is on. `nextHeld()` resolves once the server has called `append`.
 */
export function heldChatStore() {
  const inner = createMemoryChatStore();
  const held: HeldAppend[] = [];
  const waiters: Array<(h: HeldAppend) => void> = [];
  let holding = false;
  const store: ChatStore = {
    ...inner,
    append(input) {
      if (!holding || input.type !== 'text') return inner.append(input);
      const d = deferred<ChatMessage>();
      const h: HeldAppend = {
        input,
        async commit() {
          const message = await inner.append(input);
          d.resolve(message);
          return message;
        },
        fail(err = new Error('the disk is on fire')) {
          d.reject(err);
        },
      };
      const waiter = waiters.shift();
      if (waiter) waiter(h);
      else held.push(h);
      return d.promise;
    },
  };
  return {
    store,
    inner,
    hold(on = true) {
      holding = on;
    },
    nextHeld(timeout = 2000): Promise<HeldAppend> {
      const ready = held.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not call append within ${timeout} ms`)), timeout);
        waiters.push((h) => {
          clearTimeout(timer);
          resolve(h);
        });
      });
    },
  };
}

/** A memory chat store whose `append` rejects while `failing` is on (every other method works). */
export function flakyChatStore() {
  const inner = createMemoryChatStore();
  let failing = false;
  let failures = 0;
  const store: ChatStore = {
    ...inner,
    async append(input) {
      if (failing) {
        failures += 1;
        throw new Error('SQLITE_IOERR: disk I/O error');
      }
      return inner.append(input);
    },
  };
  return {
    store,
    inner,
    fail(on = true) {
      failing = on;
    },
    get failures() {
      return failures;
    },
  };
}

/** GET one page of a class's history over HTTP; asserts 200. */
export async function historyPage(server: TestServer, token: string, sessionId: string, before?: string): Promise<ChatMessage[]> {
  const url = `/api/chat/session/${sessionId}${before === undefined ? '' : `?before=${encodeURIComponent(before)}`}`;
  const res = await server.app.inject({ method: 'GET', url, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { messages: ChatMessage[] };
  expect(Object.keys(body)).toEqual(['messages']);
  return body.messages;
}

/**
 * Every message of a class, oldest first, by paging back with `?before=` from the latest page until
 * an empty page. Checks that every page but the oldest is full (100) and that no id repeats.
 */
export async function wholeHistory(server: TestServer, token: string, sessionId: string): Promise<{ all: ChatMessage[]; pages: number[] }> {
  const pages: ChatMessage[][] = [];
  let before: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await historyPage(server, token, sessionId, before);
    if (page.length === 0) break;
    pages.unshift(page);
    before = page[0].id;
  }
  const sizes = pages.map((p) => p.length);
  for (const size of sizes.slice(1)) expect(size).toBe(100);
  const all = pages.flat();
  expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
  return { all, pages: sizes };
}

/** Sends a chat message over the socket and returns the stored message from the ok ack. */
export async function say(socket: TestSocket, text: string): Promise<ChatMessage> {
  return expectOk(await emitAck(socket, 'chat-message', { text })).message;
}

/**
 * The next system line with this text that `socket` is sent, wherever it comes, as the page reads
 * them: a `chat-message`, or the `note` of a `user-joined` or `user-left`.
 */
export function systemMessage(socket: TestSocket, text: string, timeout = 2000): Promise<ChatMessage> {
  return new Promise((resolve, reject) => {
    const carriers = ['chat-message', 'user-joined', 'user-left'] as const;
    const lineOf = (event: (typeof carriers)[number], payload: unknown): ChatMessage | undefined =>
      event === 'chat-message' ? (payload as ChatMessage) : (payload as { note?: ChatMessage }).note;
    const listeners = carriers.map((event) => {
      const listener = (payload: unknown) => {
        const line = lineOf(event, payload);
        if (line?.type !== 'system' || line.text !== text) return;
        stop();
        resolve(line);
      };
      socket.on(event as string, listener);
      return () => socket.off(event as string, listener);
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no system line "${text}" within ${timeout} ms`));
    }, timeout);
    function stop() {
      clearTimeout(timer);
      for (const off of listeners) off();
    }
  });
}

export const textsOf = (messages: ChatMessage[]) => messages.map((m) => m.text);
