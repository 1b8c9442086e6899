/** Node's flags for a classroom server process (see server-node-flags.mjs). */
export declare const serverNodeFlags: readonly string[];
