package io.emostream.ingest;

import io.emostream.contracts.AudioRecords;
import io.emostream.contracts.DeadLetter;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.SpeakerGroups;
import io.emostream.contracts.Topics;
import io.emostream.contracts.UtteranceAudio;
import io.emostream.contracts.UtteranceText;
import io.emostream.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Reads what the ingest service published for a recording, as a downstream consumer would. */
public final class IngestRecords {

    public static final Duration TIMEOUT = Duration.ofSeconds(45);

    private IngestRecords() {}

    /**
     * The recording's audio utterances in index order, from both audio topics (an utterance of a named speaker goes
     * to the speaker-grouped one), without the groups' end markers.
     */
    public static List<ConsumerRecord<String, byte[]>> audio(String recordingId, int expected) {
        return TestKafka.await(
                        List.of(Topics.UTTERANCES_AUDIO, Topics.UTTERANCES_AUDIO_SPEAKER),
                        r -> !SpeakerGroups.isEnd(r.headers())
                                && AudioRecords.meta(r.headers()).recordingId().equals(recordingId),
                        expected,
                        TIMEOUT)
                .stream()
                .sorted(Comparator.comparingInt(
                        r -> AudioRecords.meta(r.headers()).index()))
                .toList();
    }

    /** The end markers of the recording's speaker groups, in the order read. */
    public static List<SpeakerGroups.End> groupEnds(String recordingId, int expected) {
        return TestKafka.await(
                        Topics.UTTERANCES_AUDIO_SPEAKER,
                        r -> SpeakerGroups.isEnd(r.headers()) && r.key().startsWith(recordingId + "|"),
                        expected,
                        TIMEOUT)
                .stream()
                .map(r -> SpeakerGroups.end(r.value()))
                .toList();
    }

    public static UtteranceAudio meta(ConsumerRecord<String, byte[]> r) {
        return AudioRecords.meta(r.headers());
    }

    public static List<UtteranceText> text(String recordingId, int expected) {
        return TestKafka.await(Topics.UTTERANCES_TEXT, r -> r.key().startsWith(recordingId + "#"), expected, TIMEOUT)
                .stream()
                .map(r -> EventSerdes.UTTERANCE_TEXT.deserialize(r.topic(), r.value()))
                .sorted(Comparator.comparingInt(UtteranceText::index))
                .toList();
    }

    /** The latest status of a recording, once it is in {@code state} (or the last seen after the timeout). */
    public static RecordingStatus status(String recordingId, RecordingStatus.State state) {
        return TestKafka.await(
                        Topics.RECORDING_STATUS,
                        r -> recordingId.equals(r.key())
                                && EventSerdes.RECORDING_STATUS
                                                .deserialize(r.topic(), r.value())
                                                .state()
                                        == state,
                        1,
                        TIMEOUT)
                .stream()
                .findFirst()
                .map(r -> EventSerdes.RECORDING_STATUS.deserialize(r.topic(), r.value()))
                .orElseThrow(() -> new AssertionError("no " + state + " status for " + recordingId));
    }

    public static Optional<ConsumerRecord<String, byte[]>> deadLetter(String key, String sourceTopic) {
        return TestKafka.await(
                        Topics.DEADLETTER,
                        r -> key.equals(r.key())
                                && sourceTopic.equals(
                                        DeadLetter.fromHeaders(r.headers()).sourceTopic()),
                        1,
                        TIMEOUT)
                .stream()
                .findFirst();
    }
}
