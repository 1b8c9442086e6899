import { randomBytes } from 'node:crypto';
import { JanusError } from './janus-errors';

/** A Janus API message as it travels over HTTP (requests' answers and long-poll events alike). */
export interface JanusWire {
  janus: string;
  transaction?: string;
  session_id?: number;
  /** The handle an event is about. */
  sender?: number;
  data?: { id?: number } & Record<string, unknown>;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: { type: string; sdp: string };
  error?: { code: number; reason: string };
  reason?: string;
  [key: string]: unknown;
}

/** Janus's transaction ids are ours to choose; they only have to be unique among the pending ones. */
export const newTransaction = () => randomBytes(9).toString('base64url');

/**
 * Runs `work` with a signal that aborts after `ms`; the promise then rejects with a `timeout`
 * JanusError, whatever `work` was waiting for. The timer is cleared either way.
 */
export function withTimeout<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new JanusError('timeout', 0, `no answer to ${what} within ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
    work(controller.signal)
      .then(resolve, (err: unknown) => reject(controller.signal.aborted ? controller.signal.reason : err))
      .finally(() => clearTimeout(timer));
  });
}

/** A promise that rejects with the signal's reason once it aborts (for waits that fetch does not cover). */
export function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let dispose = () => undefined as void;
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  // Nobody may be listening when it rejects (the answer won the race): that is not an error.
  promise.catch(() => undefined);
  return { promise, dispose };
}

/** Reads a Janus HTTP answer: JSON on 200; anything else is a transport failure. */
export async function readWire(res: Response, what: string): Promise<unknown> {
  if (!res.ok) {
    await res.arrayBuffer().catch(() => undefined);
    throw new JanusError('transport', 0, `${what}: HTTP ${res.status}`);
  }
  try {
    return await res.json();
  } catch (err) {
    throw new JanusError('transport', 0, `${what}: the answer is not JSON`, { cause: err });
  }
}

/** Janus refused a request at its core (as opposed to the plugin refusing it). */
export function coreError(wire: JanusWire): JanusError {
  return new JanusError('core', wire.error?.code ?? 0, wire.error?.reason ?? 'unknown Janus error');
}

/** The plugin's answer, or its refusal: plugins put `error_code`/`error` in their data. */
export function pluginResult(wire: JanusWire): { data: Record<string, unknown>; jsep?: { type: string; sdp: string } } {
  const data = wire.plugindata?.data ?? {};
  if (typeof data.error_code === 'number') {
    throw new JanusError('plugin', data.error_code, typeof data.error === 'string' ? data.error : 'plugin error');
  }
  return wire.jsep ? { data, jsep: wire.jsep } : { data };
}
