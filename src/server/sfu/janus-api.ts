import type { Logger } from 'pino';
import { JanusError, janusCoreCodes } from './janus-errors';
import { coreError, type JanusWire, newTransaction, pluginResult, readWire, untilAborted, withTimeout } from './janus-http';

export { isJanusError, JanusError, janusCoreCodes, type JanusErrorKind } from './janus-errors';

/**
 * A client of Janus's HTTP API (https://janus.conf.meetecho.com/docs/rest.html), for one trusted
 * caller: the application server, on the loopback. Requests are POSTs; what Janus sends on its own
 * (plugin events, webrtcup, hangup...) arrives on one long-poll GET per session.
 */

export interface JanusJsep {
  type: string;
  sdp: string;
}

/** A plugin's answer: its data (VideoRoom's `{ videoroom: "joined", ... }`) and an SDP, when it sent one. */
export interface JanusReply {
  data: Record<string, unknown>;
  jsep?: JanusJsep;
}

/**
 * Something Janus said about a handle without being asked: a plugin `event` (VideoRoom's publishers
 * list, leaving, unpublished, talking...), `webrtcup`, `media`, `slowlink`, `hangup`, `detached`.
 */
export interface JanusEvent {
  janus: string;
  /** A plugin event's data. */
  data?: Record<string, unknown>;
  jsep?: JanusJsep;
  /** The message as Janus sent it (hangup's `reason`, media's `type`/`receiving`/`mid`...). */
  raw: Record<string, unknown>;
}

export interface JanusClient {
  /** GET /info: the server's version, plugins, transports and settings. */
  info(): Promise<Record<string, unknown>>;
  /** A new session, kept alive and polled until it is destroyed or Janus drops it. */
  createSession(): Promise<JanusSession>;
}

export interface JanusSession {
  readonly id: number;
  attach(plugin: string): Promise<JanusHandle>;
  /** Ends the session at Janus (its handles with it) and stops its poll and keep-alive. */
  destroy(): Promise<void>;
  /**
   * The session ended without destroy(): Janus timed it out, restarted, or cannot be reached. Each of
   * its handles also gets a `detached` event then, as Janus cannot send them one. Returns an unsubscribe.
   */
  onClosed(fn: (reason: string) => void): () => void;
}

export interface JanusHandle {
  readonly id: number;
  readonly plugin: string;
  /**
   * A request the plugin answers at once (VideoRoom: create, destroy, exists, listparticipants, kick,
   * moderate...): resolves with the plugin's data, rejects with a `plugin` JanusError carrying its
   * error_code. An asynchronous request is waited for too, but its SDP is dropped: use message().
   */
  request<T = Record<string, unknown>>(body: object): Promise<T>;
  /** A request the plugin may answer later (join, configure, start...), with an SDP when one goes along. */
  message(body: object, jsep?: JanusJsep): Promise<JanusReply>;
  /** Events nobody asked for on this handle. Returns an unsubscribe. */
  onEvent(fn: (event: JanusEvent) => void): () => void;
  /** Detaches from the plugin (Janus hangs up its PeerConnection). Already gone is fine. */
  detach(): Promise<void>;
}

export interface JanusClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8088/janus. */
  url: string;
  log: Logger;
  fetchImpl?: typeof fetch;
  /** Below Janus's session_timeout (60 s in janus/janus.jcfg). */
  keepAliveMs?: number;
  /** How long any request, including waiting for an asynchronous answer, may take. */
  requestTimeoutMs?: number;
  /** Janus answers a long poll after 30 s with nothing: a poll longer than this is stuck. */
  pollTimeoutMs?: number;
  /** Failed polls in a row (one second apart) before the session is given up as unreachable. */
  pollRetries?: number;
}

export function createJanusClient({
  url,
  log,
  fetchImpl = fetch,
  keepAliveMs = 25_000,
  requestTimeoutMs = 10_000,
  pollTimeoutMs = 45_000,
  pollRetries = 3,
}: JanusClientOptions): JanusClient {
  const base = url.replace(/\/+$/, '');

  async function post(path: string, body: Record<string, unknown>, signal: AbortSignal): Promise<JanusWire> {
    let res: Response;
    try {
      res = await fetchImpl(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new JanusError('transport', 0, `${body.janus} request failed`, { cause: err });
    }
    return (await readWire(res, `${body.janus} request`)) as JanusWire;
  }

  /** A request Janus's core answers in the HTTP response (create, attach, keepalive, detach, destroy). */
  function call(path: string, body: Record<string, unknown>): Promise<JanusWire> {
    return withTimeout(requestTimeoutMs, `${body.janus}`, async (signal) => {
      const wire = await post(path, { ...body, transaction: newTransaction() }, signal);
      if (wire.janus === 'error') throw coreError(wire);
      return wire;
    });
  }

  return {
    info: () =>
      withTimeout(requestTimeoutMs, 'info', async (signal) => {
        try {
          return (await readWire(await fetchImpl(`${base}/info`, { signal }), 'info')) as Record<string, unknown>;
        } catch (err) {
          if (signal.aborted || err instanceof JanusError) throw err;
          throw new JanusError('transport', 0, 'info request failed', { cause: err });
        }
      }),

    async createSession() {
      const created = await call('', { janus: 'create' });
      const id = created.data?.id;
      if (typeof id !== 'number') throw new JanusError('transport', 0, 'create: no session id in the answer');
      return openSession(id, {
        base,
        log: log.child({ janusSession: id }),
        fetchImpl,
        post,
        call,
        keepAliveMs,
        requestTimeoutMs,
        pollTimeoutMs,
        pollRetries,
      });
    },
  };
}

interface SessionDeps {
  base: string;
  log: Logger;
  fetchImpl: typeof fetch;
  post(path: string, body: Record<string, unknown>, signal: AbortSignal): Promise<JanusWire>;
  call(path: string, body: Record<string, unknown>): Promise<JanusWire>;
  keepAliveMs: number;
  requestTimeoutMs: number;
  pollTimeoutMs: number;
  pollRetries: number;
}

interface Pending {
  handleId: number;
  settle(wire: JanusWire): void;
  fail(err: unknown): void;
}

interface HandleState {
  handle: JanusHandle;
  listeners: Set<(event: JanusEvent) => void>;
  /** Local end: no more requests, no more events. */
  close(): void;
}

const maxEventsPerPoll = 10;

function openSession(id: number, deps: SessionDeps): JanusSession {
  const { base, log, fetchImpl, post, call } = deps;
  const path = `/${id}`;
  const handles = new Map<number, HandleState>();
  /** Asynchronous requests waiting for their event, by transaction. */
  const pending = new Map<string, Pending>();
  const closedListeners = new Set<(reason: string) => void>();
  let closed = false;
  let destroying: Promise<void> | null = null;
  let pollAbort: AbortController | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let wakeRetry: (() => void) | null = null;

  const keepAlive = setInterval(() => {
    call(path, { janus: 'keepalive' }).catch((err: unknown) => {
      if (closed) return;
      if (err instanceof JanusError && err.code === janusCoreCodes.noSuchSession) end('Janus no longer knows the session');
      else log.warn({ err }, 'janus keepalive failed');
    });
  }, deps.keepAliveMs);

  /** Stops everything this session runs; pending requests fail. */
  function stop(reason: string) {
    closed = true;
    clearInterval(keepAlive);
    pollAbort?.abort();
    if (retryTimer) clearTimeout(retryTimer);
    wakeRetry?.();
    const err = new JanusError('closed', 0, reason);
    for (const p of pending.values()) p.fail(err);
    pending.clear();
  }

  /** The session ended on Janus's side (or Janus is gone): everyone using it is told. */
  function end(reason: string) {
    if (closed) return;
    log.warn({ reason }, 'janus session closed');
    stop(`session closed: ${reason}`);
    for (const [handleId, state] of handles) {
      emit(state, { janus: 'detached', raw: { janus: 'detached', session_id: id, sender: handleId, reason } });
      state.close();
    }
    handles.clear();
    for (const fn of closedListeners) {
      try {
        fn(reason);
      } catch (err) {
        log.error({ err }, 'janus session close listener threw');
      }
    }
    closedListeners.clear();
  }

  function emit(state: HandleState, event: JanusEvent) {
    for (const fn of state.listeners) {
      try {
        fn(event);
      } catch (err) {
        log.error({ err, janus: event.janus }, 'janus event listener threw');
      }
    }
  }

  function dispatch(wire: JanusWire) {
    if (wire.janus === 'keepalive') return;
    if (wire.janus === 'timeout') return end('timed out at Janus');
    const waiting = wire.transaction ? pending.get(wire.transaction) : undefined;
    if (waiting) return waiting.settle(wire);
    if (wire.transaction && wire.janus === 'event') {
      // The answer to a request that timed out or whose handle went: nobody waits for it any more.
      log.warn({ transaction: wire.transaction, sender: wire.sender }, 'late janus answer dropped');
      return;
    }
    const state = wire.sender === undefined ? undefined : handles.get(wire.sender);
    if (!state) {
      log.debug({ janus: wire.janus, sender: wire.sender }, 'janus event for no known handle');
      return;
    }
    const event: JanusEvent = { janus: wire.janus, raw: wire };
    if (wire.plugindata) event.data = wire.plugindata.data;
    if (wire.jsep) event.jsep = wire.jsep;
    emit(state, event);
    if (wire.janus === 'detached' && wire.sender !== undefined) {
      handles.delete(wire.sender);
      state.close();
    }
  }

  function waitBeforeRetry(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, ms);
    }).then(() => {
      retryTimer = null;
      wakeRetry = null;
    });
  }

  async function poll() {
    let failures = 0;
    while (!closed) {
      const controller = new AbortController();
      pollAbort = controller;
      const stuck = setTimeout(() => controller.abort(), deps.pollTimeoutMs);
      try {
        const res = await fetchImpl(`${base}${path}?maxev=${maxEventsPerPoll}`, { signal: controller.signal });
        // Janus answers 404 (no body) for a session it does not know: it restarted, or timed it out.
        if (res.status === 404) {
          await res.arrayBuffer().catch(() => undefined);
          return end('Janus no longer knows the session');
        }
        const body = await readWire(res, 'poll');
        failures = 0;
        for (const wire of Array.isArray(body) ? body : [body]) {
          if (closed) return;
          dispatch(wire as JanusWire);
        }
      } catch (err) {
        if (closed) return;
        failures += 1;
        if (failures > deps.pollRetries) return end('Janus cannot be reached');
        log.warn({ err, failures }, 'janus poll failed, retrying');
        await waitBeforeRetry(1000);
      } finally {
        clearTimeout(stuck);
      }
    }
  }

  /** Sends a message to a handle and waits for its answer: in the HTTP response, or as an event. */
  function send(handleId: number, body: object, jsep?: JanusJsep): Promise<JanusReply> {
    return withTimeout(deps.requestTimeoutMs, `${(body as { request?: string }).request ?? 'message'} on handle ${handleId}`, async (signal) => {
      if (closed) throw new JanusError('closed', 0, 'the session is closed');
      const transaction = newTransaction();
      const aborted = untilAborted(signal);
      // Registered before the POST: the event can come on the poll before the POST's ack does.
      const event = new Promise<JanusWire>((resolve, reject) => {
        pending.set(transaction, { handleId, settle: resolve, fail: reject });
      });
      // It may fail (session closed) while the POST is still out, before anyone awaits it.
      event.catch(() => undefined);
      try {
        const request: Record<string, unknown> = { janus: 'message', transaction, body };
        if (jsep) request.jsep = jsep;
        const answer = await Promise.race([post(`${path}/${handleId}`, request, signal), aborted.promise]);
        if (answer.janus === 'error') throw coreError(answer);
        if (answer.janus === 'success') return pluginResult(answer);
        if (answer.janus !== 'ack') throw new JanusError('transport', 0, `unexpected answer "${answer.janus}" to a message`);
        const later = await Promise.race([event, aborted.promise]);
        if (later.janus === 'error') throw coreError(later);
        return pluginResult(later);
      } finally {
        pending.delete(transaction);
        aborted.dispose();
      }
    });
  }

  function makeHandle(handleId: number, plugin: string): HandleState {
    let detached = false;
    let detaching: Promise<void> | null = null;
    const listeners = new Set<(event: JanusEvent) => void>();
    const close = () => {
      detached = true;
      listeners.clear();
      const err = new JanusError('closed', 0, `handle ${handleId} is detached`);
      for (const [transaction, p] of pending) {
        if (p.handleId !== handleId) continue;
        pending.delete(transaction);
        p.fail(err);
      }
    };
    const handle: JanusHandle = {
      id: handleId,
      plugin,
      async request<T>(body: object) {
        if (detached) throw new JanusError('closed', 0, `handle ${handleId} is detached`);
        return (await send(handleId, body)).data as T;
      },
      async message(body, jsep) {
        if (detached) throw new JanusError('closed', 0, `handle ${handleId} is detached`);
        return send(handleId, body, jsep);
      },
      onEvent(fn) {
        if (detached) return () => undefined;
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      detach() {
        detaching ??= (async () => {
          const wasOpen = !detached && !closed;
          if (handles.get(handleId)?.handle === handle) handles.delete(handleId);
          close();
          if (!wasOpen) return;
          try {
            await call(`${path}/${handleId}`, { janus: 'detach' });
          } catch (err) {
            // Already gone at Janus (its session expired, it hung up): the end we wanted.
            if (err instanceof JanusError && (err.code === janusCoreCodes.noSuchHandle || err.code === janusCoreCodes.noSuchSession)) return;
            throw err;
          }
        })();
        return detaching;
      },
    };
    return { handle, listeners, close };
  }

  void poll();

  return {
    id,
    async attach(plugin) {
      if (closed) throw new JanusError('closed', 0, 'the session is closed');
      const attached = await call(path, { janus: 'attach', plugin });
      const handleId = attached.data?.id;
      if (typeof handleId !== 'number') throw new JanusError('transport', 0, 'attach: no handle id in the answer');
      const state = makeHandle(handleId, plugin);
      if (closed) {
        state.close();
        throw new JanusError('closed', 0, 'the session closed while attaching');
      }
      handles.set(handleId, state);
      return state.handle;
    },
    destroy() {
      destroying ??= (async () => {
        if (closed) return;
        stop('session destroyed');
        for (const state of handles.values()) state.close();
        handles.clear();
        closedListeners.clear();
        try {
          await call(path, { janus: 'destroy' });
        } catch (err) {
          if (err instanceof JanusError && err.code === janusCoreCodes.noSuchSession) return;
          throw err;
        }
      })();
      return destroying;
    },
    onClosed(fn) {
      if (closed) return () => undefined;
      closedListeners.add(fn);
      return () => closedListeners.delete(fn);
    },
  };
}
