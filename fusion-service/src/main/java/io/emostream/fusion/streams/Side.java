package io.emostream.fusion.streams;

import io.emostream.contracts.Modalities;
import io.emostream.contracts.Modality;
import io.emostream.contracts.Topics;

/** The two inputs of the join: which topic a score comes from, and what its single-modality result is called. */
public enum Side {
    SPEECH(Topics.SCORES_SPEECH, Modality.SPEECH, Modalities.SPEECH_ONLY),
    TEXT(Topics.SCORES_TEXT, Modality.TEXT, Modalities.TEXT_ONLY);

    private final String topic;
    private final Modality modality;
    private final Modalities alone;

    Side(String topic, Modality modality, Modalities alone) {
        this.topic = topic;
        this.modality = modality;
        this.alone = alone;
    }

    public String topic() {
        return topic;
    }

    public Modality modality() {
        return modality;
    }

    /** The {@link Modalities} of a result made from this side only. */
    public Modalities alone() {
        return alone;
    }

    public static Side ofTopic(String topic) {
        if (SPEECH.topic.equals(topic)) {
            return SPEECH;
        }
        if (TEXT.topic.equals(topic)) {
            return TEXT;
        }
        throw new IllegalArgumentException("not a score topic: " + topic);
    }
}
