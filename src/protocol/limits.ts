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
  /** Past this many participants, students are advised to turn their cameras off. */
  audioOnlyAdviceAbove: 40,
  /** Tiles on one page of a large class's grid: only these are received. */
  tilesPerPage: 16,
} as const;
