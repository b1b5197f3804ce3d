-- Re-scoring merges per modality: each input's own time (its score's scoredAt) orders results of the same modality,
-- so a re-score replaces exactly the modality it re-scored and a stale or replayed older score never overwrites a
-- newer one. NULL for rows written before this migration: the sink then uses the row's fused_at instead.
ALTER TABLE utterances
    ADD COLUMN speech_scored_at timestamptz,
    ADD COLUMN text_scored_at   timestamptz,
    -- the text model's dimensional scores by name (e.g. {"valence":3.1,"arousal":2.8,"dominance":3.0}, EmoBank's
    -- 1-5 scale); NULL when the text model has none
    ADD COLUMN text_dimensions  jsonb;
