import { type ChildProcess, spawn } from 'node:child_process';
import { e2eEnv } from './env';
import { serverArgs } from '../../scripts/server-node-flags.mjs';

/**
 * A server of its own for tests that stop and start it (a crash, a redeploy): the same secret as
 * the test server, so the fixture's tokens work on it.
 */
export class ServerProcess {
  private child: ChildProcess | null = null;
  readonly url: string;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string> = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(process.execPath, [...serverArgs], {
      env: { ...process.env, ...e2eEnv, PORT: String(this.port), DATABASE_URL: `sqlite:./data/e2e-${this.port}.db`, ...this.env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`the server on ${this.port} exited with ${this.child.exitCode}`);
      const ok = await fetch(`${this.url}/health`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the server on ${this.port} did not become healthy`);
  }

  /** Stops it with a signal and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    this.child = null;
    return code;
  }
}
