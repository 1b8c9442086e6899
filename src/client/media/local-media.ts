import { markTiming } from '../timing';

/** What the page asks the camera for; tests ask for small frames so many pages fit on two cores. */
export interface CaptureOptions {
  width?: number;
  height?: number;
  frameRate?: number;
}

/** Reads `?video=320x240@10` (width x height @ fps) from the page address. */
export function captureOptionsFrom(search: string): CaptureOptions {
  const spec = new URLSearchParams(search).get('video');
  const m = spec ? /^(\d{2,4})x(\d{2,4})(?:@(\d{1,2}))?$/.exec(spec) : null;
  if (!m) return {};
  return { width: Number(m[1]), height: Number(m[2]), frameRate: m[3] ? Number(m[3]) : undefined };
}

export interface LocalMedia {
  stream: MediaStream | null;
  hasCamera: boolean;
  hasMicrophone: boolean;
  /** Why something is missing, in words a person understands. */
  problem: string | null;
}

function videoConstraints(o: CaptureOptions): MediaTrackConstraints | boolean {
  if (!o.width && !o.height && !o.frameRate) return true;
  return {
    ...(o.width ? { width: { ideal: o.width } } : {}),
    ...(o.height ? { height: { ideal: o.height } } : {}),
    ...(o.frameRate ? { frameRate: { ideal: o.frameRate, max: o.frameRate } } : {}),
  };
}

function describe(err: unknown): string {
  const name = (err as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Camera and microphone access was denied. You can still watch and listen; allow access in the browser to be seen and heard.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'No camera or microphone was found. You can still watch and listen.';
  }
  return 'The camera or microphone could not be started. You can still watch and listen.';
}

/** Asks for camera and microphone; falls back to one of them, then to none, and says why. */
export async function openLocalMedia(options: CaptureOptions, want = { audio: true, video: true }): Promise<LocalMedia> {
  const devices = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  if (!devices?.getUserMedia) {
    return { stream: null, hasCamera: false, hasMicrophone: false, problem: 'This browser cannot use a camera here.' };
  }
  const attempts: MediaStreamConstraints[] = [
    { audio: want.audio, video: want.video ? videoConstraints(options) : false },
    ...(want.audio && want.video ? [{ audio: false, video: videoConstraints(options) }, { audio: true, video: false }] : []),
  ];
  let firstError: unknown = null;
  markTiming('media-asked');
  for (const constraints of attempts) {
    try {
      const stream = await devices.getUserMedia(constraints);
      markTiming('media-open');
      const hasCamera = stream.getVideoTracks().length > 0;
      const hasMicrophone = stream.getAudioTracks().length > 0;
      const partial = (want.video && !hasCamera) || (want.audio && !hasMicrophone);
      return { stream, hasCamera, hasMicrophone, problem: partial && firstError ? describe(firstError) : null };
    } catch (err) {
      firstError ??= err;
    }
  }
  return { stream: null, hasCamera: false, hasMicrophone: false, problem: describe(firstError) };
}

export function stopStream(stream: MediaStream | null): void {
  stream?.getTracks().forEach((t) => t.stop());
}

/** A student's camera in a large class: small frames, so the media server and the tutor's page keep up. */
export const largeClassStudentVideo = { width: 320, height: 240, frameRate: 15 } as const;

export interface VideoSize {
  width: number;
  height: number;
  frameRate: number;
}

/** What a camera sending `sent` sends once capped at `cap`: each of size and rate, never raised. */
export const cappedVideo = (sent: VideoSize, cap: VideoSize): VideoSize => ({
  width: Math.min(sent.width, cap.width),
  height: Math.min(sent.height, cap.height),
  frameRate: Math.min(sent.frameRate, cap.frameRate),
});

/** Caps the camera's frames at this size and rate (never raises them), for a stream already open. */
export async function capVideo(stream: MediaStream | null, cap: VideoSize): Promise<void> {
  for (const track of stream?.getVideoTracks() ?? []) {
    const { width = Infinity, height = Infinity, frameRate = Infinity } = track.getSettings();
    if (width <= cap.width && height <= cap.height && frameRate <= cap.frameRate) continue;
    await track
      .applyConstraints({ width: { max: cap.width }, height: { max: cap.height }, frameRate: { max: cap.frameRate } })
      // A camera that cannot go that small keeps what it has: the class still works, only heavier.
      .catch(() => undefined);
  }
}
