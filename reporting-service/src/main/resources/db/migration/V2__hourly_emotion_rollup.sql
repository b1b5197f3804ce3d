-- Per recording, speaker and UTC hour: utterance counts and sums of the fused distribution. The sink rebuilds a
-- recording's rows from its utterances whenever they change (so replays and corrections stay exact), and derives
-- the recording aggregates from them. GET /stats/emotions reads these ~10x fewer, narrow rows whenever a query is
-- hour-aligned and does not filter on label or confidence.
CREATE TABLE emotion_hourly (
    recording_id     text COLLATE "C" NOT NULL,
    speaker          text,
    hour             timestamptz NOT NULL,
    utterances       integer     NOT NULL,
    sum_confidence   double precision NOT NULL,
    first_event_time timestamptz NOT NULL,
    last_event_time  timestamptz NOT NULL,
    c_neutral        integer NOT NULL,
    c_happy          integer NOT NULL,
    c_sad            integer NOT NULL,
    c_angry          integer NOT NULL,
    c_fear           integer NOT NULL,
    c_disgust        integer NOT NULL,
    c_surprise       integer NOT NULL,
    s_neutral        double precision NOT NULL,
    s_happy          double precision NOT NULL,
    s_sad            double precision NOT NULL,
    s_angry          double precision NOT NULL,
    s_fear           double precision NOT NULL,
    s_disgust        double precision NOT NULL,
    s_surprise       double precision NOT NULL
);

CREATE INDEX emotion_hourly_recording_idx ON emotion_hourly (recording_id);
CREATE INDEX emotion_hourly_hour_idx ON emotion_hourly (hour);
CREATE INDEX emotion_hourly_speaker_idx ON emotion_hourly (speaker, hour);

-- existing data (none on a fresh database)
INSERT INTO emotion_hourly
SELECT recording_id, speaker, date_trunc('hour', event_time, 'UTC'), count(*), sum(confidence), min(event_time),
       max(event_time),
       count(*) FILTER (WHERE label = 'neutral'), count(*) FILTER (WHERE label = 'happy'),
       count(*) FILTER (WHERE label = 'sad'), count(*) FILTER (WHERE label = 'angry'),
       count(*) FILTER (WHERE label = 'fear'), count(*) FILTER (WHERE label = 'disgust'),
       count(*) FILTER (WHERE label = 'surprise'),
       sum(p_neutral), sum(p_happy), sum(p_sad), sum(p_angry), sum(p_fear), sum(p_disgust), sum(p_surprise)
FROM utterances
GROUP BY 1, 2, 3;
