/** Types for janus-process.mjs, which the tests (TypeScript) import. */

export declare class JanusStartError extends Error {
  constructor(message: string, output?: string);
  /** The tail of Janus's log, when it was kept. */
  readonly output: string;
}

export interface JanusProcessOptions {
  /** HTTP port on 127.0.0.1 (default 8088). */
  port?: number;
  /** Seconds without a request before Janus drops a session; the config's 60 when unset. */
  sessionTimeout?: number;
  /** 'inherit' passes Janus's log through; 'buffer' (default) keeps its tail for error messages. */
  output?: 'inherit' | 'buffer';
  /** How long to wait for the HTTP API to answer (default 10 s). */
  startTimeoutMs?: number;
}

export interface JanusProcess {
  /** The Janus API's base URL, e.g. http://127.0.0.1:8088/janus. */
  url: string;
  pid: number;
  /** The tail of Janus's log (empty with output 'inherit'). */
  output(): string;
  /** Janus's exit code once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 5 s; removes the temporary config folder. */
  stop(): Promise<void>;
}

export declare function startJanus(options?: JanusProcessOptions): Promise<JanusProcess>;
