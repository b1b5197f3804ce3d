package io.emostream.ingest.rest;

import io.emostream.contracts.ApiKeys;
import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.FailureReason;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.ingest.IngestException;
import io.emostream.ingest.config.IngestConfig;
import io.emostream.ingest.streams.IngestTopology;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;

/**
 * Upload recordings and follow their progress. Every call needs an API key ({@link ApiKeyFilter}); uploads are
 * received into a temporary file (never the heap), limited in number ({@link UploadLimiter}) and idempotent
 * with an {@code Idempotency-Key} ({@link UploadClaims}).
 */
@Path("/recordings")
public class RecordingResource {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final RecordingUploads uploads;
    private final KafkaStreams streams;
    private final IngestConfig config;

    public RecordingResource(RecordingUploads uploads, KafkaStreams streams, IngestConfig config) {
        this.uploads = uploads;
        this.streams = streams;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Upload a recording (multipart)",
            description = "Form fields: file (required; any "
                    + "audio container/codec FFmpeg decodes), transcript (optional: JSON, WebVTT or plain text), "
                    + "recordingId, language, speakers (e.g. 0=agent,1=customer), awaitTranscript. Answers 202 with the "
                    + "utterance ids the recording will produce. Send an Idempotency-Key to make retries safe.")
    @APIResponse(
            responseCode = "202",
            description = "Accepted (or, for a retry with the same Idempotency-Key, " + "accepted before)",
            content = @Content(schema = @Schema(implementation = AcceptedRecording.class)))
    @APIResponse(responseCode = "400", ref = IngestApi.REF + IngestApi.BAD_REQUEST)
    @APIResponse(responseCode = "401", ref = IngestApi.REF + IngestApi.UNAUTHORIZED)
    @APIResponse(responseCode = "409", ref = IngestApi.REF + IngestApi.CONFLICT)
    @APIResponse(responseCode = "413", ref = IngestApi.REF + IngestApi.TOO_LARGE)
    @APIResponse(responseCode = "415", ref = IngestApi.REF + IngestApi.NOT_AUDIO)
    @APIResponse(responseCode = "422", ref = IngestApi.REF + IngestApi.UNUSABLE)
    @APIResponse(responseCode = "429", ref = IngestApi.REF + IngestApi.BUSY)
    public Response uploadForm(
            @RestForm("file") FileUpload file,
            @RestForm("transcript") String transcript,
            @RestForm("recordingId") String recordingId,
            @RestForm("language") String language,
            @RestForm("speakers") String speakers,
            @RestForm("awaitTranscript") @DefaultValue("false") boolean awaitTranscript,
            @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey,
            @RestHeader(ApiKeys.HEADER) String apiKey)
            throws IngestException, IOException {
        if (file == null || file.uploadedFile() == null) {
            return Problems.response(
                    400, "Missing file", "the multipart form needs a 'file' part with the audio", "/recordings", null);
        }
        // Quarkus received the part into a temporary file and deletes it when the request ends
        return answer(uploads.accept(new RecordingUploads.Upload(
                file.uploadedFile(),
                recordingId,
                language,
                speakers,
                transcript,
                awaitTranscript,
                ApiKeys.callerOf(apiKey),
                idempotencyKey)));
    }

    @POST
    @Consumes({"audio/*", "video/*", MediaType.APPLICATION_OCTET_STREAM})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Upload a recording (raw body)",
            description = "The body is the audio file. Without a "
                    + "transcript it is segmented by voice activity at once, unless awaitTranscript=true (then a "
                    + "transcript is expected on the transcripts topic). Send an Idempotency-Key to make retries safe.")
    @APIResponse(
            responseCode = "202",
            description = "Accepted",
            content = @Content(schema = @Schema(implementation = AcceptedRecording.class)))
    public Response uploadRaw(
            InputStream body,
            @QueryParam("recordingId") String recordingId,
            @QueryParam("language") String language,
            @QueryParam("speakers") String speakers,
            @QueryParam("awaitTranscript") @DefaultValue("false") boolean awaitTranscript,
            @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey,
            @RestHeader(ApiKeys.HEADER) String apiKey)
            throws IngestException, IOException {
        java.nio.file.Path file = Files.createTempFile("emostream-upload-", ".audio");
        try {
            receive(body, file);
            return answer(uploads.accept(new RecordingUploads.Upload(
                    file,
                    recordingId,
                    language,
                    speakers,
                    null,
                    awaitTranscript,
                    ApiKeys.callerOf(apiKey),
                    idempotencyKey)));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Streams the body to the file, refusing it as soon as it passes the size limit. */
    private void receive(InputStream body, java.nio.file.Path file) throws IOException, IngestException {
        long limit = config.maxRecordingBytes();
        long total = 0;
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int n; (n = body.read(buf)) > 0; ) {
                total += n;
                if (total > limit) {
                    throw new IngestException(
                            FailureReason.AUDIO_TOO_LARGE,
                            "the recording is larger than the " + "limit of " + limit + " bytes");
                }
                out.write(buf, 0, n);
            }
        }
    }

    @GET
    @Path("/{id}/status")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Where a recording is in ingest")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = RecordingStatus.class)))
    @APIResponse(responseCode = "404", ref = IngestApi.REF + IngestApi.NOT_FOUND)
    public Response status(@Parameter(description = "recording id") @PathParam("id") String id) {
        byte[] value;
        try {
            value = streams.store(StoreQueryParameters.fromNameAndType(
                            IngestTopology.STATUS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()))
                    .get(id);
        } catch (InvalidStateStoreException e) {
            return Problems.response(
                    503,
                    "Not ready",
                    "the status store is still loading; retry shortly",
                    "/recordings/" + id + "/status",
                    null);
        }
        if (value == null) {
            return Problems.response(
                    404,
                    "Unknown recording",
                    "no recording '" + id + "' is known",
                    "/recordings/" + id + "/status",
                    null);
        }
        // the upload digest is bookkeeping for retries, not for callers
        return Response.ok(EventSerdes.RECORDING_STATUS
                        .deserialize(Topics.RECORDING_STATUS, value)
                        .withUploadDigest(null))
                .build();
    }

    private static Response answer(RecordingUploads.Answer a) {
        Response.ResponseBuilder r =
                Response.accepted(a.accepted()).location(URI.create(a.accepted().statusUrl()));
        if (a.replayed()) {
            r.header("Idempotent-Replayed", "true");
        }
        return r.build();
    }
}
