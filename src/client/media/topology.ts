import type { Participant } from '../../protocol';
import type { LinkState } from '../store';

/** What a topology reports back to the session client. */
export interface TopologyEvents {
  iceServers: RTCIceServer[];
  sendSignal(to: string, data: unknown): void;
  onLinkState(socketId: string, state: LinkState | null): void;
  onRemoteStream(socketId: string, stream: MediaStream | null): void;
  /** Someone is heard speaking, or no longer (only the media server tells). */
  onSpeaking?(socketId: string, speaking: boolean): void;
}

/**
 * How media travels between the participants of a class: peer links in a mesh or a star today,
 * or the media server (SFU) for a large class. The grid never knows which one it is.
 */
export interface MediaTopology {
  /** The roster changed: open and close links to match. */
  sync(self: Participant, others: Participant[]): void;
  /** A signalling message another participant sent us. */
  receive(from: string, data: unknown): void;
  /** One's own camera and microphone, or none. */
  setLocalStream(stream: MediaStream | null): void;
  /**
   * Which remote participants have a tile on screen (null: all). A large class receives only those;
   * direct links ignore it, since a small class shows everyone.
   */
  setOnScreen(socketIds: string[] | null): void;
  /** Try a failed link again now. */
  retry(socketId: string): void;
  close(): void;
}
