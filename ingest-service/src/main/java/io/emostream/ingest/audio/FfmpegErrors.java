package io.emostream.ingest.audio;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;

/**
 * FFmpeg reports decode errors inside a stream only through its log (a corrupt MP3 silently loses frames), so
 * this callback counts error-level messages per decoding thread. It also keeps FFmpeg off native stderr.
 */
final class FfmpegErrors extends LogCallback {

    private static final FfmpegErrors INSTANCE = new FfmpegErrors();
    private static final ThreadLocal<Count> COUNT = ThreadLocal.withInitial(Count::new);

    static {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        avutil.setLogCallback(INSTANCE);
    }

    static final class Count {
        int errors;
        String first;
    }

    private FfmpegErrors() {}

    /** Starts counting for the calling thread. */
    static Count begin() {
        Count c = COUNT.get();
        c.errors = 0;
        c.first = null;
        return c;
    }

    @Override
    public void call(int level, BytePointer msg) {
        if (level <= avutil.AV_LOG_ERROR) {
            Count c = COUNT.get();
            c.errors++;
            if (c.first == null) {
                c.first = msg.getString().trim();
            }
        }
    }
}
