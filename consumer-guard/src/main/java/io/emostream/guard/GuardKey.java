package io.emostream.guard;

/** One consumed partition of one consumer group: the unit the guard records attempts for. */
public record GuardKey(String group, String topic, int partition) {

    /** The key of its markers on {@link io.emostream.contracts.Topics#ATTEMPTS}. */
    public String id() {
        return group + "|" + topic + "|" + partition;
    }

    @Override
    public String toString() {
        return group + ":" + topic + "-" + partition;
    }
}
