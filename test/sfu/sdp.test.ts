import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publishedStreams } from '../../src/server/sfu/sdp';

const chromiumOffer = readFileSync(new URL('./fixtures/chromium-publisher-offer.sdp', import.meta.url), 'utf8');

describe('publishedStreams', () => {
  it("reads the mids of a real browser's audio and video", () => {
    expect(publishedStreams(chromiumOffer)).toEqual({ audio: '0', video: '1' });
  });

  it('takes the first section of each kind, whatever the order, and skips data channels', () => {
    const sdp = ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:d', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:v1', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:a1', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:v2'].join('\r\n');
    expect(publishedStreams(sdp)).toEqual({ audio: 'a1', video: 'v1' });
  });

  it('a publisher without a camera has no video stream', () => {
    expect(publishedStreams('v=0\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=mid:0\n')).toEqual({ audio: '0', video: null });
  });
});
