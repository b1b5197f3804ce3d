package io.emostream.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Set;

/** Settings of the inference service ({@code emostream.inference.*}). */
@ConfigMapping(prefix = "emostream.inference")
public interface InferenceConfig {

    /** Which workers this instance runs: {@code speech}, {@code text} or both; each has its own consumer group. */
    @WithDefault("speech,text")
    Set<String> modalities();

    /** Directory holding the model directories (the local runtime sets it from EMOSTREAM_MODELS_DIR). */
    @WithDefault("models")
    String modelsDir();

    /** Speech model directory name under {@link #modelsDir()}. */
    @WithDefault("ser-default")
    String speechModel();

    /** Text model directory name under {@link #modelsDir()}. */
    @WithDefault("ter-default")
    String textModel();

    /** {@code auto} (GPU when present), {@code gpu} or {@code cpu}. */
    @WithDefault("auto")
    String device();

    /** Threads inside one operator. 1 is fastest for small batches on CPU; raise it for large batches. */
    @WithDefault("1")
    int intraOpThreads();

    /** Threads across independent operators. */
    @WithDefault("1")
    int interOpThreads();

    /**
     * Scoring workers per modality in this instance: each its own consumer (all in the modality's group, so each
     * takes a share of the partitions), micro-batches and forward passes. One worker runs one forward pass at a time
     * on {@link #intraOpThreads()} threads, so a CPU pod with 2 cores serves about twice as much with 2 workers; keep
     * 1 on a GPU. More than the topic's partitions leaves the extra ones idle.
     */
    @WithDefault("1")
    int workers();

    /** Micro-batching. */
    Batch batch();

    /** Consumer group id prefix; the modality is appended ({@code emostream-inference-speech}). */
    @WithDefault("emostream-inference")
    String groupPrefix();

    /**
     * Stable id of this instance, part of the transactional id: a restarted instance fences its predecessor's
     * open transaction at once instead of waiting for it to time out.
     */
    @WithDefault("${HOSTNAME:local}")
    String instanceId();

    /**
     * How long after its first record a speaker group (on {@code emostream.utterances.audio.speaker}) is scored
     * without its end marker. Ingest writes a group and its marker in one transaction, so its records are read within
     * seconds and only a producer that breaks the protocol leaves one open; this bounds how long such a group holds
     * back its partition (the groups behind it are released in order), however its records trickle in.
     */
    @WithDefault("60s")
    Duration speakerGroupOpenFor();

    /**
     * The most utterance records one speaker group holds: a group that reaches it without its end marker is scored as
     * it is and later records of its key start a new group, which bounds a worker's memory against a producer that
     * never ends a group. Keep it at least ingest's {@code speaker-group-max-utterances} (200), or ingest's groups
     * are split (each part scored relative to itself).
     */
    @WithDefault("1000")
    int speakerGroupMaxUtterances();

    /** How long shutdown waits for the batch in progress to be scored and committed. */
    @WithDefault("30s")
    Duration drainTimeout();

    /** First wait before a worker retries after a failed transaction, new Kafka clients, or a restart; doubles. */
    @WithDefault("1s")
    Duration retryBackoff();

    /** Longest such wait. */
    @WithDefault("30s")
    Duration maxRetryBackoff();

    /** A worker whose loop shows no progress for this long is reported stuck: liveness DOWN. */
    @WithDefault("5m")
    Duration stuckAfter();

    interface Batch {

        /** Most utterances per forward pass. */
        @WithDefault("16")
        int maxSize();

        /** Longest an utterance waits for its batch to fill. */
        @WithDefault("20ms")
        Duration maxWait();
    }
}
