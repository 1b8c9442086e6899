/**
 * Where a failure came from: Janus's core refused the request (`core`: no such session or handle, bad
 * JSON), the plugin refused it (`plugin`: VideoRoom's error_code, e.g. 426 no such room), no answer in
 * time (`timeout`), Janus could not be reached or answered nonsense (`transport`), or the session or
 * handle was already closed on our side (`closed`).
 */
export type JanusErrorKind = 'core' | 'plugin' | 'timeout' | 'transport' | 'closed';

/** Janus core error codes the client itself reacts to. */
export const janusCoreCodes = {
  noSuchSession: 458,
  noSuchHandle: 459,
} as const;

export class JanusError extends Error {
  override readonly name = 'JanusError';

  /**
   * @param code Janus's or the plugin's error code; 0 for failures found on our side (timeout,
   *   transport, closed), which have no Janus code.
   */
  constructor(
    readonly kind: JanusErrorKind,
    readonly code: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(code ? `${reason} (janus ${kind} error ${code})` : `${reason} (janus ${kind})`, options);
  }
}

/** True for a JanusError with one of these codes (any code when none is given). */
export function isJanusError(err: unknown, ...codes: number[]): err is JanusError {
  return err instanceof JanusError && (codes.length === 0 || codes.includes(err.code));
}
