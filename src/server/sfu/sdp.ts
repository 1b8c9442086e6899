import type { PublishedStreams } from '../classroom/class-state';

/**
 * The mids of a publisher's audio and video, read from its offer: the media server names streams by
 * mid, and moderation (mute one participant's microphone) must name the right one.
 */
export function publishedStreams(sdp: string): PublishedStreams {
  const streams: PublishedStreams = { audio: null, video: null };
  let kind: 'audio' | 'video' | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    const section = /^m=(\w+) /.exec(line);
    if (section) {
      kind = section[1] === 'audio' || section[1] === 'video' ? section[1] : null;
      continue;
    }
    const mid = /^a=mid:(\S+)/.exec(line);
    if (mid && kind && streams[kind] === null) streams[kind] = mid[1];
  }
  return streams;
}
