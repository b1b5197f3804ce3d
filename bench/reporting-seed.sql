-- Seeds the reporting schema with synthetic calls for the API benchmark: emostream.seed_recordings recordings
-- (default 50 000) of 20 utterances each (= 1 M utterance rows), spread over the 30 days before now. Agents
-- agent-0 … agent-199 speak the even utterances, one customer per recording the odd ones; each recording leans
-- towards one emotion. Run it as the schema owner on a migrated database (ReportingApiBench does), or:
--   PGOPTIONS='-c emostream.seed_recordings=50000' psql -h localhost -p 15432 -U emostream emostream -f bench/reporting-seed.sql
-- then VACUUM ANALYZE utterances, recordings, emotion_hourly.

CREATE TEMP TABLE seed_params AS
SELECT COALESCE(NULLIF(current_setting('emostream.seed_recordings', true), ''), '50000')::int AS recordings,
       20                                                   AS per_recording,
       date_trunc('second', now()) - interval '30 days'     AS t0,
       interval '30 days'                                   AS span;

INSERT INTO recordings (recording_id, state, duration_ms, has_transcript, expected_utterances, status_at)
SELECT 'seed-' || r, 'SEGMENTED', p.per_recording * 3000, true, p.per_recording,
       p.t0 + p.span * (r::float8 / p.recordings)
FROM seed_params p, generate_series(1, p.recordings) AS r;

INSERT INTO utterances (utterance_id, recording_id, idx, start_ms, end_ms, speaker, transcript, modalities,
                        fusion_mode, speech_weight, text_weight, label, confidence,
                        p_neutral, p_happy, p_sad, p_angry, p_fear, p_disgust, p_surprise,
                        speech_model, speech_model_version, speech_label, speech_confidence, speech_probs,
                        text_model, text_model_version, text_label, text_confidence, text_probs,
                        correction, event_time, fused_at)
SELECT 'seed-' || r || '#' || i, 'seed-' || r, i, i * 3000, i * 3000 + 2500, speaker, 'utterance ' || i || ' of a call',
       'BOTH', 'FIXED', 0.6, 1.0, label, m,
       p0, p1, p2, p3, p4, p5, p6,
       'ser-crnn', '1.0.0', label, m, probs,
       'ter-minilm-cnn', '1.0.0', label, m, probs,
       false, t, t + interval '60 milliseconds'
FROM (
    SELECT *, CASE GREATEST(p0, p1, p2, p3, p4, p5, p6)
                  WHEN p0 THEN 'neutral' WHEN p1 THEN 'happy' WHEN p2 THEN 'sad' WHEN p3 THEN 'angry'
                  WHEN p4 THEN 'fear' WHEN p5 THEN 'disgust' ELSE 'surprise' END AS label,
              GREATEST(p0, p1, p2, p3, p4, p5, p6) AS m,
              jsonb_build_object('neutral', p0, 'happy', p1, 'sad', p2, 'angry', p3, 'fear', p4, 'disgust', p5,
                                 'surprise', p6) AS probs
    FROM (
        SELECT r, i, t, speaker, w0 / s AS p0, w1 / s AS p1, w2 / s AS p2, w3 / s AS p3, w4 / s AS p4,
               w5 / s AS p5, w6 / s AS p6
        FROM (
            SELECT *, w0 + w1 + w2 + w3 + w4 + w5 + w6 AS s
            FROM (
                SELECT r, i,
                       p.t0 + p.span * (r::float8 / p.recordings) + i * interval '3 seconds' AS t,
                       CASE WHEN i % 2 = 0 THEN 'agent-' || (r % 200) ELSE 'customer-' || r END AS speaker,
                       random() ^ 3 + CASE WHEN r % 7 = 0 THEN 0.5 * random() ELSE 0 END AS w0,
                       random() ^ 3 + CASE WHEN r % 7 = 1 THEN 0.5 * random() ELSE 0 END AS w1,
                       random() ^ 3 + CASE WHEN r % 7 = 2 THEN 0.5 * random() ELSE 0 END AS w2,
                       random() ^ 3 + CASE WHEN r % 7 = 3 THEN 0.5 * random() ELSE 0 END AS w3,
                       random() ^ 3 + CASE WHEN r % 7 = 4 THEN 0.5 * random() ELSE 0 END AS w4,
                       random() ^ 3 + CASE WHEN r % 7 = 5 THEN 0.5 * random() ELSE 0 END AS w5,
                       random() ^ 3 + CASE WHEN r % 7 = 6 THEN 0.5 * random() ELSE 0 END AS w6
                FROM seed_params p, generate_series(1, p.recordings) AS r,
                     generate_series(0, p.per_recording - 1) AS i
            ) weights
        ) sums
    ) probabilities
) labelled;

-- what the sink maintains from them: the hourly rollup, and recording aggregates derived from it
INSERT INTO emotion_hourly
SELECT recording_id, speaker, date_trunc('hour', event_time, 'UTC'), count(*), sum(confidence), min(event_time),
       max(event_time),
       count(*) FILTER (WHERE label = 'neutral'), count(*) FILTER (WHERE label = 'happy'),
       count(*) FILTER (WHERE label = 'sad'), count(*) FILTER (WHERE label = 'angry'),
       count(*) FILTER (WHERE label = 'fear'), count(*) FILTER (WHERE label = 'disgust'),
       count(*) FILTER (WHERE label = 'surprise'),
       sum(p_neutral), sum(p_happy), sum(p_sad), sum(p_angry), sum(p_fear), sum(p_disgust), sum(p_surprise)
FROM utterances WHERE recording_id LIKE 'seed-%'
GROUP BY 1, 2, 3;

UPDATE recordings AS r
SET utterance_count = a.n, first_event_time = a.first_t, last_event_time = a.last_t, mean_confidence = a.mean_conf,
    speakers = a.speakers,
    dominant_emotion = CASE GREATEST(a.c0, a.c1, a.c2, a.c3, a.c4, a.c5, a.c6)
        WHEN a.c0 THEN 'neutral' WHEN a.c1 THEN 'happy' WHEN a.c2 THEN 'sad' WHEN a.c3 THEN 'angry'
        WHEN a.c4 THEN 'fear' WHEN a.c5 THEN 'disgust' ELSE 'surprise' END
FROM (SELECT recording_id, sum(utterances) AS n, min(first_event_time) AS first_t, max(last_event_time) AS last_t,
             sum(sum_confidence) / sum(utterances) AS mean_conf,
             array_agg(DISTINCT speaker ORDER BY speaker) FILTER (WHERE speaker IS NOT NULL) AS speakers,
             sum(c_neutral) AS c0, sum(c_happy) AS c1, sum(c_sad) AS c2, sum(c_angry) AS c3, sum(c_fear) AS c4,
             sum(c_disgust) AS c5, sum(c_surprise) AS c6
      FROM emotion_hourly WHERE recording_id LIKE 'seed-%' GROUP BY recording_id) AS a
WHERE r.recording_id = a.recording_id;
