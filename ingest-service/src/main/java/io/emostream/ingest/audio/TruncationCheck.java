package io.emostream.ingest.audio;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Finds truncation that FFmpeg hides: its WAV demuxer clamps a data chunk that runs past the end of the file, its
 * MP3 demuxer falls back to a bitrate estimate when the Xing/Info header's byte count does not match, and an Ogg
 * stream simply ends early. WAV and MP3 headers state the full length; a finished Ogg stream ends with a complete
 * page flagged end-of-stream.
 */
final class TruncationCheck {

    private TruncationCheck() {}

    /** A description of the truncation, or empty when the header is consistent (or absent, or "unknown length"). */
    static Optional<String> check(ByteBuffer b) {
        if (b.limit() >= 12 && ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE")) {
            return riff(b);
        }
        if (ascii(b, 0, "OggS")) {
            return ogg(b);
        }
        return mp3(b);
    }

    private static Optional<String> riff(ByteBuffer b) {
        int pos = 12;
        while (pos + 8 <= b.limit()) {
            long size = u32le(b, pos + 4);
            if (ascii(b, pos, "data")) {
                // streaming writers leave 0 or 0xFFFFFFFF when the length is unknown
                if (size == 0 || size >= 0xFFFFFF00L) {
                    return Optional.empty();
                }
                long available = b.limit() - (pos + 8L);
                return size > available + 2
                        ? Optional.of("truncated: the WAV header declares " + size
                                + " bytes of audio but the file holds " + available)
                        : Optional.empty();
            }
            pos += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - pos - 8);
        }
        return Optional.empty();
    }

    private static Optional<String> mp3(ByteBuffer b) {
        int start = 0;
        if (b.limit() >= 10 && ascii(b, 0, "ID3")) {
            start = 10
                    + ((b.get(6) & 0x7f) << 21 | (b.get(7) & 0x7f) << 14 | (b.get(8) & 0x7f) << 7 | (b.get(9) & 0x7f));
        }
        if (start + 4 > b.limit() || (b.get(start) & 0xff) != 0xff || (b.get(start + 1) & 0xe0) != 0xe0) {
            return Optional.empty();
        }
        int version = (b.get(start + 1) >> 3) & 3; // 3 = MPEG-1
        int channelMode = (b.get(start + 3) >> 6) & 3; // 3 = mono
        int sideInfo = version == 3 ? (channelMode == 3 ? 17 : 32) : (channelMode == 3 ? 9 : 17);
        int tag = start + 4 + sideInfo;
        if (tag + 16 > b.limit() || !(ascii(b, tag, "Xing") || ascii(b, tag, "Info"))) {
            return Optional.empty();
        }
        long flags = u32be(b, tag + 4);
        if ((flags & 2) == 0) {
            return Optional.empty(); // no byte count
        }
        int bytesField = tag + 8 + ((flags & 1) != 0 ? 4 : 0);
        long declared = u32be(b, bytesField);
        long available = (long) b.limit() - start;
        return declared > available + 512
                ? Optional.of(
                        "truncated: the MP3 header declares " + declared + " bytes but the file holds " + available)
                : Optional.empty();
    }

    private static Optional<String> ogg(ByteBuffer b) {
        int p = b.limit() - 4;
        while (p >= 0 && !ascii(b, p, "OggS")) {
            p--;
        }
        if (p < 0 || p + 27 > b.limit()) {
            return Optional.of("truncated: the last Ogg page is incomplete");
        }
        int segments = b.get(p + 26) & 0xff;
        long end = p + 27L + segments;
        if (end > b.limit()) {
            return Optional.of("truncated: the last Ogg page is incomplete");
        }
        for (int i = 0; i < segments; i++) {
            end += b.get(p + 27 + i) & 0xff;
        }
        if (end > b.limit()) {
            return Optional.of("truncated: the last Ogg page is incomplete");
        }
        return (b.get(p + 5) & 0x04) == 0
                ? Optional.of("truncated: the Ogg stream has no end-of-stream page")
                : Optional.empty();
    }

    private static boolean ascii(ByteBuffer b, int off, String s) {
        if (off + s.length() > b.limit()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b.get(off + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static long u32le(ByteBuffer b, int o) {
        return (b.get(o) & 0xffL)
                | (b.get(o + 1) & 0xffL) << 8
                | (b.get(o + 2) & 0xffL) << 16
                | (b.get(o + 3) & 0xffL) << 24;
    }

    private static long u32be(ByteBuffer b, int o) {
        return (b.get(o) & 0xffL) << 24
                | (b.get(o + 1) & 0xffL) << 16
                | (b.get(o + 2) & 0xffL) << 8
                | (b.get(o + 3) & 0xffL);
    }
}
