import { createServer } from 'node:net';
import { type JanusProcess, JanusStartError, startJanus } from '../../scripts/janus-process.mjs';

export type TestJanus = JanusProcess;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * One real Janus (the project's janus/ config) on a free port, for one test file: start it in
 * beforeAll, stop it in afterAll. Tests that need it fail, never skip, when Janus is not installed.
 *
 * @param options.sessionTimeout seconds before Janus drops an idle session (the config's 60 if unset)
 */
export async function startJanusForTests(options: { sessionTimeout?: number } = {}): Promise<TestJanus> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startJanus({ port: await freePort(), sessionTimeout: options.sessionTimeout });
    } catch (err) {
      if (err instanceof JanusStartError && /not installed/.test(err.message)) {
        throw new Error('These tests need the Janus media server, which is not installed. run: apt-get install -y janus');
      }
      // Another process took the free port between the probe and Janus binding it: try another.
      if (attempt >= 3) throw err;
    }
  }
}
