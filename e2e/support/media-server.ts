import { startJanus } from '../../scripts/janus-process.mjs';
import { ServerProcess } from './server-process';

export interface MediaServerNode {
  /** The classroom server's origin (join through it with `baseURL`). */
  url: string;
  janusUrl: string;
  stop(): Promise<void>;
}

/**
 * A classroom server with Janus behind it, both started for one spec file with the project's own
 * Janus config: the large-class tests need them, the rest of the suite runs without.
 */
export async function startMediaServer(options: { port: number; janusPort: number; sfuThreshold: number }): Promise<MediaServerNode> {
  const janus = await startJanus({ port: options.janusPort });
  const server = new ServerProcess(options.port, { JANUS_URL: janus.url, SFU_THRESHOLD: String(options.sfuThreshold) });
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    await janus.stop();
    throw err;
  }
  return {
    url: server.url,
    janusUrl: janus.url,
    async stop() {
      await server.stop();
      await janus.stop();
    },
  };
}
