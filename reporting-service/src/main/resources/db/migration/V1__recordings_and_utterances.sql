-- Reporting schema: one row per recording, one row per utterance (the latest fused result for it).
-- Ids use the "C" collation: byte order, deterministic paging, and the cheapest comparisons.

CREATE TABLE recordings (
    recording_id        text COLLATE "C" PRIMARY KEY,
    -- from emostream.recordings.status (NULL until a status arrives)
    state               text CHECK (state IN ('ACCEPTED', 'AWAITING_TRANSCRIPT', 'SEGMENTED', 'FAILED')),
    failure_reason      text,
    failure_detail      text,
    duration_ms         bigint,
    has_transcript      boolean,
    expected_utterances integer,
    status_at           timestamptz,
    -- aggregates over this recording's utterances, recomputed from them in every write transaction
    utterance_count     integer     NOT NULL DEFAULT 0,
    speakers            text[]      NOT NULL DEFAULT '{}',
    dominant_emotion    text,
    mean_confidence     double precision,
    first_event_time    timestamptz,
    last_event_time     timestamptz,
    -- when the platform first saw the recording: its first utterance, or its status when it has none
    started_at          timestamptz GENERATED ALWAYS AS (LEAST(first_event_time, status_at)) STORED,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE utterances (
    utterance_id         text COLLATE "C" PRIMARY KEY,
    recording_id         text COLLATE "C" NOT NULL REFERENCES recordings (recording_id),
    idx                  integer     NOT NULL,
    start_ms             bigint      NOT NULL,
    end_ms               bigint      NOT NULL,
    speaker              text,
    transcript           text,
    modalities           text        NOT NULL CHECK (modalities IN ('BOTH', 'SPEECH_ONLY', 'TEXT_ONLY')),
    fusion_mode          text        NOT NULL,
    speech_weight        double precision NOT NULL,
    text_weight          double precision NOT NULL,
    -- fused result: one column per canonical label, so mean probabilities are plain avg() over columns
    label                text        NOT NULL
        CHECK (label IN ('neutral', 'happy', 'sad', 'angry', 'fear', 'disgust', 'surprise')),
    confidence           double precision NOT NULL,
    p_neutral            double precision NOT NULL,
    p_happy              double precision NOT NULL,
    p_sad                double precision NOT NULL,
    p_angry              double precision NOT NULL,
    p_fear               double precision NOT NULL,
    p_disgust            double precision NOT NULL,
    p_surprise           double precision NOT NULL,
    -- the inputs, for drill-down (NULL when that modality is missing)
    speech_model         text,
    speech_model_version text,
    speech_label         text,
    speech_confidence    double precision,
    speech_probs         jsonb,
    text_model           text,
    text_model_version   text,
    text_label           text,
    text_confidence      double precision,
    text_probs           jsonb,
    correction           boolean     NOT NULL,
    event_time           timestamptz NOT NULL,
    fused_at             timestamptz NOT NULL,
    ingested_at          timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- recording timeline, per-recording aggregates and the recording filter
CREATE INDEX utterances_recording_idx ON utterances (recording_id, idx);
-- time range and keyset paging (event_time, utterance_id), alone or with a speaker filter; a label filter rides
-- the time index (7 labels: a page of 50 reads a few hundred index entries), which keeps the write path lighter
CREATE INDEX utterances_time_idx ON utterances (event_time, utterance_id);
CREATE INDEX utterances_speaker_time_idx ON utterances (speaker, event_time, utterance_id);

CREATE INDEX recordings_started_idx ON recordings (started_at, recording_id);
CREATE INDEX recordings_dominant_idx ON recordings (dominant_emotion, started_at, recording_id);
CREATE INDEX recordings_speakers_idx ON recordings USING gin (speakers);
