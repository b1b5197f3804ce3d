package io.emostream.reporting.persistence;

import com.fasterxml.jackson.core.type.TypeReference;
import io.emostream.contracts.Distribution;
import io.emostream.contracts.Emotion;
import io.emostream.contracts.FusedEmotion;
import io.emostream.contracts.Json;
import io.emostream.contracts.Modalities;
import io.emostream.contracts.RecordingStatus;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Writes a {@link SinkBatch} in one transaction with a handful of set-based statements (arrays + unnest, one round
 * trip each, however large the batch): lock the touched recordings in id order, apply statuses, delete
 * tombstoned utterances, merge results into their stored rows per modality ({@link ResultMerge}), then rebuild the hourly rollup
 * rows ({@code emotion_hourly}) of each recording whose utterances changed from those utterances, and its
 * aggregates from those rows, so both are right whatever was replayed.
 * Locking first matters when several instances write one recording's utterances (they sit in different
 * partitions): the recompute then runs after the other writer committed and sees its rows.
 */
@ApplicationScoped
public class SinkWriter {

    /**
     * What a batch changed. {@code resultsApplied} counts results that changed a row (not a replay, a duplicate or a
     * stale score); {@code recordings}
     * counts recordings whose aggregates were recomputed.
     */
    public record Outcome(int resultsApplied, int resultsDeleted, int statusesApplied, int recordings) {
        static final Outcome NONE = new Outcome(0, 0, 0, 0);
    }

    private static final String LOCK_RECORDINGS = """
            INSERT INTO recordings AS r (recording_id, first_event_time)
            SELECT id, t FROM unnest(?::text[], ?::timestamptz[]) AS x(id, t) ORDER BY id COLLATE "C"
            ON CONFLICT (recording_id) DO UPDATE SET updated_at = now()""";

    private static final String CLEAR_STATUSES = """
            UPDATE recordings SET state = NULL, failure_reason = NULL, failure_detail = NULL, duration_ms = NULL,
                   has_transcript = NULL, expected_utterances = NULL, status_at = NULL, updated_at = now()
            WHERE recording_id = ANY(?::text[])""";

    private static final String APPLY_STATUSES = """
            UPDATE recordings AS r
            SET state = s.state, failure_reason = s.reason, failure_detail = s.detail, duration_ms = s.duration_ms,
                has_transcript = s.has_transcript, expected_utterances = s.expected, status_at = s.at,
                updated_at = now()
            FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int8[], ?::bool[], ?::int4[], ?::timestamptz[])
                 AS s(id, state, reason, detail, duration_ms, has_transcript, expected, at)
            WHERE r.recording_id = s.id AND (r.status_at IS NULL OR s.at >= r.status_at)""";

    private static final String DELETE_UTTERANCES =
            "DELETE FROM utterances WHERE utterance_id = ANY(?::text[]) RETURNING recording_id";

    /** The stored rows the batch's results merge into, locked until the transaction ends. */
    private static final String SELECT_UTTERANCES =
            """
            SELECT utterance_id, recording_id, idx, start_ms, end_ms, speaker, transcript, modalities, fusion_mode,
                   speech_weight, text_weight, label, confidence, """ + Rows.PROBABILITY_COLUMNS + """
            , speech_model, speech_model_version, COALESCE(speech_scored_at, fused_at) AS speech_at, """ + Rows.jsonColumns("speech") + """
            , text_model, text_model_version, COALESCE(text_scored_at, fused_at) AS text_at, text_dimensions::text,
            """ + Rows.jsonColumns("text") + """
            , correction, event_time, fused_at, trace_id
            FROM utterances WHERE utterance_id = ANY(?::text[]) FOR UPDATE""";

    /** Writes merged rows as they are: {@link ResultMerge} already decided what each row becomes. */
    private static final String UPSERT_UTTERANCES = """
            INSERT INTO utterances AS u (utterance_id, recording_id, idx, start_ms, end_ms, speaker, transcript,
                modalities, fusion_mode, speech_weight, text_weight, label, confidence,
                p_neutral, p_happy, p_sad, p_angry, p_fear, p_disgust, p_surprise,
                speech_model, speech_model_version, speech_label, speech_confidence, speech_probs, speech_scored_at,
                text_model, text_model_version, text_label, text_confidence, text_probs, text_scored_at,
                text_dimensions, correction, event_time, fused_at, trace_id)
            SELECT utterance_id, recording_id, idx, start_ms, end_ms, speaker, transcript,
                modalities, fusion_mode, speech_weight, text_weight, label, confidence,
                p_neutral, p_happy, p_sad, p_angry, p_fear, p_disgust, p_surprise,
                speech_model, speech_model_version, speech_label, speech_confidence, speech_probs::jsonb,
                speech_scored_at, text_model, text_model_version, text_label, text_confidence, text_probs::jsonb,
                text_scored_at, text_dimensions::jsonb, correction, event_time, fused_at, trace_id
            FROM unnest(?::text[], ?::text[], ?::int4[], ?::int8[], ?::int8[], ?::text[], ?::text[],
                        ?::text[], ?::text[], ?::float8[], ?::float8[], ?::text[], ?::float8[],
                        ?::float8[], ?::float8[], ?::float8[], ?::float8[], ?::float8[], ?::float8[], ?::float8[],
                        ?::text[], ?::text[], ?::text[], ?::float8[], ?::text[], ?::timestamptz[],
                        ?::text[], ?::text[], ?::text[], ?::float8[], ?::text[], ?::timestamptz[],
                        ?::text[], ?::bool[], ?::timestamptz[], ?::timestamptz[], ?::text[])
                 AS x(utterance_id, recording_id, idx, start_ms, end_ms, speaker, transcript,
                      modalities, fusion_mode, speech_weight, text_weight, label, confidence,
                      p_neutral, p_happy, p_sad, p_angry, p_fear, p_disgust, p_surprise,
                      speech_model, speech_model_version, speech_label, speech_confidence, speech_probs,
                      speech_scored_at, text_model, text_model_version, text_label, text_confidence, text_probs,
                      text_scored_at, text_dimensions, correction, event_time, fused_at, trace_id)
            ON CONFLICT (utterance_id) DO UPDATE SET
                idx = EXCLUDED.idx, start_ms = EXCLUDED.start_ms, end_ms = EXCLUDED.end_ms,
                speaker = EXCLUDED.speaker, transcript = EXCLUDED.transcript, modalities = EXCLUDED.modalities,
                fusion_mode = EXCLUDED.fusion_mode, speech_weight = EXCLUDED.speech_weight,
                text_weight = EXCLUDED.text_weight, label = EXCLUDED.label, confidence = EXCLUDED.confidence,
                p_neutral = EXCLUDED.p_neutral, p_happy = EXCLUDED.p_happy, p_sad = EXCLUDED.p_sad,
                p_angry = EXCLUDED.p_angry, p_fear = EXCLUDED.p_fear, p_disgust = EXCLUDED.p_disgust,
                p_surprise = EXCLUDED.p_surprise,
                speech_model = EXCLUDED.speech_model, speech_model_version = EXCLUDED.speech_model_version,
                speech_label = EXCLUDED.speech_label, speech_confidence = EXCLUDED.speech_confidence,
                speech_probs = EXCLUDED.speech_probs, speech_scored_at = EXCLUDED.speech_scored_at,
                text_model = EXCLUDED.text_model, text_model_version = EXCLUDED.text_model_version,
                text_label = EXCLUDED.text_label, text_confidence = EXCLUDED.text_confidence,
                text_probs = EXCLUDED.text_probs, text_scored_at = EXCLUDED.text_scored_at,
                text_dimensions = EXCLUDED.text_dimensions,
                correction = EXCLUDED.correction, event_time = EXCLUDED.event_time, fused_at = EXCLUDED.fused_at,
                trace_id = EXCLUDED.trace_id, updated_at = now()
            RETURNING u.recording_id""";

    private static final String DELETE_ROLLUP = "DELETE FROM emotion_hourly WHERE recording_id = ANY(?::text[])";

    /** One pass over the changed recordings' utterances: their rows of the hourly rollup. */
    private static final String INSERT_ROLLUP = """
            INSERT INTO emotion_hourly
            SELECT recording_id, speaker, date_trunc('hour', event_time, 'UTC'), count(*), sum(confidence),
                   min(event_time), max(event_time),
                   count(*) FILTER (WHERE label = 'neutral'), count(*) FILTER (WHERE label = 'happy'),
                   count(*) FILTER (WHERE label = 'sad'), count(*) FILTER (WHERE label = 'angry'),
                   count(*) FILTER (WHERE label = 'fear'), count(*) FILTER (WHERE label = 'disgust'),
                   count(*) FILTER (WHERE label = 'surprise'),
                   sum(p_neutral), sum(p_happy), sum(p_sad), sum(p_angry), sum(p_fear), sum(p_disgust), sum(p_surprise)
            FROM utterances WHERE recording_id = ANY(?::text[])
            GROUP BY 1, 2, 3""";

    /**
     * Recording aggregates from their (few) rollup rows; the dominant label is the most frequent, ties going to the
     * first in canonical order (the CASE tests labels in that order).
     */
    private static final String RECOMPUTE_RECORDINGS = """
            WITH agg AS (
                SELECT recording_id, sum(utterances) AS n, min(first_event_time) AS first_t,
                       max(last_event_time) AS last_t, sum(sum_confidence) / sum(utterances) AS mean_conf,
                       array_agg(DISTINCT speaker ORDER BY speaker) FILTER (WHERE speaker IS NOT NULL) AS speakers,
                       sum(c_neutral) AS c0, sum(c_happy) AS c1, sum(c_sad) AS c2, sum(c_angry) AS c3,
                       sum(c_fear) AS c4, sum(c_disgust) AS c5, sum(c_surprise) AS c6
                FROM emotion_hourly WHERE recording_id = ANY(?::text[])
                GROUP BY recording_id)
            UPDATE recordings AS r
            SET utterance_count = COALESCE(agg.n, 0), speakers = COALESCE(agg.speakers, '{}'),
                dominant_emotion = CASE GREATEST(agg.c0, agg.c1, agg.c2, agg.c3, agg.c4, agg.c5, agg.c6)
                    WHEN agg.c0 THEN 'neutral' WHEN agg.c1 THEN 'happy' WHEN agg.c2 THEN 'sad'
                    WHEN agg.c3 THEN 'angry' WHEN agg.c4 THEN 'fear' WHEN agg.c5 THEN 'disgust'
                    WHEN agg.c6 THEN 'surprise' END,
                mean_confidence = agg.mean_conf, first_event_time = agg.first_t, last_event_time = agg.last_t,
                updated_at = now()
            FROM unnest(?::text[]) AS ids(recording_id) LEFT JOIN agg ON agg.recording_id = ids.recording_id
            WHERE r.recording_id = ids.recording_id""";

    /** A recording that lost its last utterance and has no status is gone (e.g. erased through tombstones). */
    private static final String DELETE_EMPTY_RECORDINGS = """
            DELETE FROM recordings
            WHERE recording_id = ANY(?::text[]) AND state IS NULL AND utterance_count = 0""";

    private final DataSource dataSource;

    /** Writes through its own pool: a burst of API calls or exports can never take the sink's connections. */
    public SinkWriter(@io.quarkus.agroal.DataSource(SessionLimits.SINK) DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Writes the batch in one transaction: all of it or (on any exception) none of it. */
    public Outcome write(SinkBatch batch) throws SQLException {
        if (batch.isEmpty()) {
            return Outcome.NONE;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Outcome outcome = write(c, batch);
                c.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private Outcome write(Connection c, SinkBatch batch) throws SQLException {
        List<String> recordingIds = batch.recordingIds();
        Map<String, Instant> firstEvent = new HashMap<>();
        for (FusedEmotion r : batch.results()) {
            firstEvent.merge(r.recordingId(), r.eventTime(), (a, b) -> a.isBefore(b) ? a : b);
        }
        try (PreparedStatement ps = c.prepareStatement(LOCK_RECORDINGS)) {
            ps.setArray(1, c.createArrayOf("text", recordingIds.toArray()));
            ps.setArray(
                    2,
                    c.createArrayOf(
                            "text",
                            recordingIds.stream()
                                    .map(id -> Sql.instant(firstEvent.get(id)))
                                    .toArray()));
            ps.executeUpdate();
        }
        if (!batch.clearedStatuses().isEmpty()) {
            update(
                    c,
                    CLEAR_STATUSES,
                    ps -> ps.setArray(
                            1, c.createArrayOf("text", batch.clearedStatuses().toArray())));
        }
        int statuses = batch.statuses().isEmpty() ? 0 : applyStatuses(c, batch.statuses());
        // only recordings whose utterances really changed need their aggregates recomputed: a replay costs little
        Set<String> changed = new TreeSet<>();
        int deleted = batch.deletedUtterances().isEmpty()
                ? 0
                : returning(
                        c,
                        DELETE_UTTERANCES,
                        ps -> ps.setArray(
                                1,
                                c.createArrayOf(
                                        "text", batch.deletedUtterances().toArray())),
                        changed);
        int applied = batch.results().isEmpty() ? 0 : upsertResults(c, batch.results(), batch.traceIds(), changed);
        if (!changed.isEmpty()) {
            Object[] ids = changed.toArray();
            update(c, DELETE_ROLLUP, ps -> ps.setArray(1, c.createArrayOf("text", ids)));
            update(c, INSERT_ROLLUP, ps -> ps.setArray(1, c.createArrayOf("text", ids)));
            update(c, RECOMPUTE_RECORDINGS, ps -> {
                ps.setArray(1, c.createArrayOf("text", ids));
                ps.setArray(2, c.createArrayOf("text", ids));
            });
        }
        if (!batch.deletedUtterances().isEmpty() || !batch.clearedStatuses().isEmpty()) {
            Object[] ids = recordingIds.toArray();
            update(c, DELETE_EMPTY_RECORDINGS, ps -> ps.setArray(1, c.createArrayOf("text", ids)));
        }
        return new Outcome(applied, deleted, statuses, changed.size());
    }

    private int applyStatuses(Connection c, List<SinkBatch.Status> statuses) throws SQLException {
        return update(c, APPLY_STATUSES, ps -> {
            int i = 1;
            ps.setArray(i++, texts(c, statuses, s -> s.status().recordingId()));
            ps.setArray(i++, texts(c, statuses, s -> s.status().state().name()));
            ps.setArray(
                    i++,
                    texts(
                            c,
                            statuses,
                            s -> s.status().reason() == null
                                    ? null
                                    : s.status().reason().name()));
            ps.setArray(i++, texts(c, statuses, s -> Sql.text(s.status().detail())));
            ps.setArray(
                    i++,
                    c.createArrayOf(
                            "int8",
                            statuses.stream().map(s -> s.status().durationMs()).toArray()));
            ps.setArray(
                    i++,
                    c.createArrayOf(
                            "bool",
                            statuses.stream()
                                    .map(s -> s.status().hasTranscript())
                                    .toArray()));
            ps.setArray(
                    i++,
                    c.createArrayOf(
                            "int4",
                            statuses.stream().map(s -> expected(s.status())).toArray()));
            ps.setArray(i, texts(c, statuses, s -> Sql.instant(s.at())));
        });
    }

    private static Integer expected(RecordingStatus s) {
        return s.utteranceCount();
    }

    /**
     * Folds the results, in offset order, into their utterances' stored rows ({@link ResultMerge}) and writes the
     * rows that changed. Returns how many results changed a row. The recordings are already locked, so no other
     * writer changes these rows between the read and the write.
     */
    private int upsertResults(Connection c, List<FusedEmotion> rs, List<String> traceIds, Set<String> changed)
            throws SQLException {
        Map<String, UtteranceRow> rows = stored(c, rs);
        Map<String, UtteranceRow> dirty = new LinkedHashMap<>();
        int applied = 0;
        for (int i = 0; i < rs.size(); i++) {
            FusedEmotion r = rs.get(i);
            UtteranceRow merged = ResultMerge.merge(rows.get(r.utteranceId()), r, traceIds.get(i));
            if (merged != null) {
                rows.put(r.utteranceId(), merged);
                dirty.put(r.utteranceId(), merged);
                applied++;
            }
        }
        if (dirty.isEmpty()) {
            return 0;
        }
        List<UtteranceRow> w = new ArrayList<>(dirty.values());
        returning(
                c,
                UPSERT_UTTERANCES,
                ps -> {
                    int i = 1;
                    ps.setArray(i++, texts(c, w, UtteranceRow::utteranceId));
                    ps.setArray(i++, texts(c, w, UtteranceRow::recordingId));
                    ps.setArray(
                            i++,
                            c.createArrayOf(
                                    "int4", w.stream().map(UtteranceRow::index).toArray()));
                    ps.setArray(
                            i++,
                            c.createArrayOf(
                                    "int8",
                                    w.stream().map(UtteranceRow::startMs).toArray()));
                    ps.setArray(
                            i++,
                            c.createArrayOf(
                                    "int8", w.stream().map(UtteranceRow::endMs).toArray()));
                    ps.setArray(i++, texts(c, w, r -> Sql.text(r.speaker())));
                    ps.setArray(i++, texts(c, w, r -> Sql.text(r.transcript())));
                    ps.setArray(i++, texts(c, w, r -> r.modalities().name()));
                    ps.setArray(i++, texts(c, w, UtteranceRow::mode));
                    ps.setArray(i++, doubles(c, w, UtteranceRow::speechWeight));
                    ps.setArray(i++, doubles(c, w, UtteranceRow::textWeight));
                    ps.setArray(i++, texts(c, w, r -> r.label().label()));
                    ps.setArray(i++, doubles(c, w, UtteranceRow::confidence));
                    for (Emotion e : Emotion.ALL) {
                        ps.setArray(i++, doubles(c, w, r -> r.probabilities().get(e)));
                    }
                    i = bindInput(c, ps, i, w, UtteranceRow::speech);
                    i = bindInput(c, ps, i, w, UtteranceRow::text);
                    ps.setArray(
                            i++,
                            texts(
                                    c,
                                    w,
                                    r -> r.text() == null || r.text().dimensions() == null
                                            ? null
                                            : dimensionsJson(r.text().dimensions())));
                    ps.setArray(
                            i++,
                            c.createArrayOf(
                                    "bool",
                                    w.stream().map(UtteranceRow::correction).toArray()));
                    ps.setArray(i++, texts(c, w, r -> Sql.instant(r.eventTime())));
                    ps.setArray(i++, texts(c, w, r -> Sql.instant(r.fusedAt())));
                    ps.setArray(i, texts(c, w, UtteranceRow::traceId));
                },
                changed);
        return applied;
    }

    /** The stored rows of the results' utterances, by id (absent: none stored). */
    private static Map<String, UtteranceRow> stored(Connection c, List<FusedEmotion> rs) throws SQLException {
        Map<String, UtteranceRow> rows = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT_UTTERANCES)) {
            ps.setArray(
                    1,
                    c.createArrayOf(
                            "text",
                            rs.stream()
                                    .map(FusedEmotion::utteranceId)
                                    .distinct()
                                    .toArray()));
            try (ResultSet q = ps.executeQuery()) {
                while (q.next()) {
                    UtteranceRow row = new UtteranceRow(
                            q.getString("utterance_id"),
                            q.getString("recording_id"),
                            q.getInt("idx"),
                            q.getLong("start_ms"),
                            q.getLong("end_ms"),
                            q.getString("speaker"),
                            q.getString("transcript"),
                            Modalities.valueOf(q.getString("modalities")),
                            q.getString("fusion_mode"),
                            q.getDouble("speech_weight"),
                            q.getDouble("text_weight"),
                            distribution(q, "p_"),
                            Emotion.fromLabel(q.getString("label")),
                            q.getDouble("confidence"),
                            input(q, "speech_", null),
                            input(q, "text_", q.getString("text_dimensions")),
                            q.getBoolean("correction"),
                            Sql.instant(q, "event_time"),
                            Sql.instant(q, "fused_at"),
                            q.getString("trace_id"));
                    rows.put(row.utteranceId(), row);
                }
            }
        }
        return rows;
    }

    private static UtteranceRow.Input input(ResultSet q, String prefix, String dimensions) throws SQLException {
        String model = q.getString(prefix + "model");
        if (model == null) {
            return null;
        }
        return new UtteranceRow.Input(
                model,
                q.getString(prefix + "model_version"),
                distribution(q, prefix + "p_"),
                Sql.instant(q, prefix + "at"),
                dimensions == null ? null : readDimensions(dimensions));
    }

    private static Distribution distribution(ResultSet q, String prefix) throws SQLException {
        return Distribution.fromMap(Rows.probabilities(q, prefix));
    }

    static Map<String, Double> readDimensions(String json) {
        try {
            return Json.MAPPER.readValue(json, new TypeReference<LinkedHashMap<String, Double>>() {});
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored text_dimensions are not a JSON object of numbers: " + json, e);
        }
    }

    private static String dimensionsJson(Map<String, Double> d) {
        try {
            return Json.MAPPER.writeValueAsString(d);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot write dimensions " + d, e);
        }
    }

    private static int bindInput(
            Connection c,
            PreparedStatement ps,
            int i,
            List<UtteranceRow> rows,
            Function<UtteranceRow, UtteranceRow.Input> input)
            throws SQLException {
        // one side's columns; a row without that side binds NULL in each
        List<UtteranceRow.Input> in = rows.stream().map(input).toList();
        ps.setArray(i++, texts(c, in, x -> x == null ? null : Sql.text(x.model())));
        ps.setArray(i++, texts(c, in, x -> x == null ? null : Sql.text(x.version())));
        ps.setArray(
                i++,
                texts(c, in, x -> x == null ? null : x.probabilities().label().label()));
        ps.setArray(
                i++, doubles(c, in, x -> x == null ? null : x.probabilities().confidence()));
        ps.setArray(i++, texts(c, in, x -> x == null ? null : json(x.probabilities())));
        ps.setArray(i++, texts(c, in, x -> x == null ? null : Sql.instant(x.at())));
        return i;
    }

    /** A distribution as a JSON object in canonical label order, e.g. {"neutral":0.1,...}. */
    static String json(Distribution d) {
        StringBuilder sb = new StringBuilder("{");
        for (Emotion e : Emotion.ALL) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append('"').append(e.label()).append("\":").append(d.get(e));
        }
        return sb.append('}').toString();
    }

    private static <T> java.sql.Array texts(Connection c, List<T> rows, Function<T, String> f) throws SQLException {
        return c.createArrayOf("text", rows.stream().map(f).toArray());
    }

    private static <T> java.sql.Array doubles(Connection c, List<T> rows, Function<T, Double> f) throws SQLException {
        return c.createArrayOf("float8", rows.stream().map(f).toArray());
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Runs a statement that returns recording ids; adds them to {@code ids}; returns the row count. */
    private static int returning(Connection c, String sql, Binder binder, Set<String> ids) throws SQLException {
        int n = 0;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                    n++;
                }
            }
        }
        return n;
    }

    private static int update(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        }
    }
}
