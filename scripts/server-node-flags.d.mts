/** Node's flags for a classroom server process (see server-node-flags.mjs). */
export declare const serverNodeFlags: readonly string[];
/** The classroom server's command line after `node`, from the project's root. */
export declare const serverArgs: readonly string[];
