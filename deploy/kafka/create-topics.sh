#!/bin/bash
# GENERATED from contracts/src/main/java/io/emostream/contracts/Topics.java by deploy-tests: do not edit.
# Regenerate after changing Topics.java: ./mvnw -B -pl deploy-tests -am verify -Demostream.regenerate=true
# Creates every EmoStream topic with its configuration (idempotent: existing topics get their
# configuration re-applied, their partition count is left alone). Runs in the apache/kafka image.
set -euo pipefail
bootstrap="${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"
replication="${EMOSTREAM_REPLICATION_FACTOR:-1}"
bin=/opt/kafka/bin

topic() {
  local name="$1" configs="$2"
  "$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name" \
    --partitions 6 --replication-factor "$replication" $(printf -- '--config %s ' ${configs//,/ })
  "$bin/kafka-configs.sh" --bootstrap-server "$bootstrap" --alter --entity-type topics \
    --entity-name "$name" --add-config "$configs" > /dev/null
}

topic emostream.recordings max.message.bytes=220200960,retention.ms=604800000
topic emostream.transcripts max.message.bytes=8388608
topic emostream.utterances.audio max.message.bytes=8388608
topic emostream.utterances.audio.speaker max.message.bytes=8388608
topic emostream.utterances.text max.message.bytes=8388608
topic emostream.scores.speech max.message.bytes=8388608
topic emostream.scores.text max.message.bytes=8388608
topic emostream.emotions cleanup.policy=compact,max.message.bytes=8388608
topic emostream.recordings.status cleanup.policy=compact,max.message.bytes=8388608
topic emostream.deadletter max.message.bytes=220200960,retention.ms=2592000000
topic emostream.attempts cleanup.policy=compact,max.message.bytes=1048576,segment.ms=3600000

echo "topics ready:"
"$bin/kafka-topics.sh" --bootstrap-server "$bootstrap" --list
