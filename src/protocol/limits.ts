/** Size limits shared by the server (which enforces them) and the browser (which respects them). */
export const limits = {
  idLength: 128,
  nameLength: 80,
  titleLength: 120,
  chatTextLength: 2000,
  /** A WebRTC signal (SDP or ICE candidate), serialized. */
  signalBytes: 64 * 1024,
  /** Socket.IO's maxHttpBufferSize: the largest event plus framing. */
  socketBufferBytes: 80 * 1024,
} as const;
