-- The OpenTelemetry trace (W3C trace id, 32 hex digits) the utterance's fused record carried: the trace of its
-- recording, from ingest through inference and fusion to this row. NULL for rows written before tracing, or from
-- records that carried no trace context. Look a trace up in the tracing backend (Jaeger, Tempo…) by this id.
ALTER TABLE utterances ADD COLUMN trace_id text;
