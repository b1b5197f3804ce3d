package io.emostream.ingest.rest;

import io.emostream.contracts.EventSerdes;
import io.emostream.contracts.RecordingStatus;
import io.emostream.contracts.Topics;
import io.emostream.ingest.IngestException;
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
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;

/** Upload recordings and follow their progress. */
@Path("/recordings")
public class RecordingResource {

    private final RecordingUploads uploads;
    private final KafkaStreams streams;

    public RecordingResource(RecordingUploads uploads, KafkaStreams streams) {
        this.uploads = uploads;
        this.streams = streams;
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload a recording (multipart)", description = "Form fields: file (required; any "
            + "audio container/codec FFmpeg decodes), transcript (optional: JSON, WebVTT or plain text), "
            + "recordingId, language, speakers (e.g. 0=agent,1=customer), awaitTranscript. Answers 202 with the "
            + "utterance ids the recording will produce.")
    @APIResponse(responseCode = "202", description = "Accepted",
            content = @Content(schema = @Schema(implementation = AcceptedRecording.class)))
    @APIResponse(responseCode = "400", description = "Malformed transcript or parameters",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "413", description = "Recording too large",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "415", description = "Not decodable audio",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "Empty, corrupt, truncated or too long audio; transcript outside the audio",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response uploadForm(@RestForm("file") FileUpload file, @RestForm("transcript") String transcript,
                               @RestForm("recordingId") String recordingId, @RestForm("language") String language,
                               @RestForm("speakers") String speakers,
                               @RestForm("awaitTranscript") @DefaultValue("false") boolean awaitTranscript)
            throws IngestException, IOException {
        if (file == null || file.uploadedFile() == null) {
            return Problem.response(400, "Missing file", "the multipart form needs a 'file' part with the audio",
                    "/recordings", null);
        }
        byte[] audio = Files.readAllBytes(file.uploadedFile());
        return accepted(uploads.accept(audio, recordingId, language, speakers, transcript, awaitTranscript));
    }

    @POST
    @Consumes({"audio/*", "video/*", MediaType.APPLICATION_OCTET_STREAM})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload a recording (raw body)", description = "The body is the audio file. Without a "
            + "transcript it is segmented by voice activity at once, unless awaitTranscript=true (then a "
            + "transcript is expected on the transcripts topic).")
    @APIResponse(responseCode = "202", description = "Accepted",
            content = @Content(schema = @Schema(implementation = AcceptedRecording.class)))
    public Response uploadRaw(InputStream body, @QueryParam("recordingId") String recordingId,
                              @QueryParam("language") String language, @QueryParam("speakers") String speakers,
                              @QueryParam("awaitTranscript") @DefaultValue("false") boolean awaitTranscript)
            throws IngestException, IOException {
        return accepted(uploads.accept(body.readAllBytes(), recordingId, language, speakers, null, awaitTranscript));
    }

    @GET
    @Path("/{id}/status")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Where a recording is in ingest")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = RecordingStatus.class)))
    @APIResponse(responseCode = "404", description = "Unknown recording",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response status(@Parameter(description = "recording id") @PathParam("id") String id) {
        byte[] value;
        try {
            value = streams.store(StoreQueryParameters.fromNameAndType(IngestTopology.STATUS_STORE,
                    QueryableStoreTypes.<String, byte[]>keyValueStore())).get(id);
        } catch (InvalidStateStoreException e) {
            return Problem.response(503, "Not ready", "the status store is still loading; retry shortly",
                    "/recordings/" + id + "/status", null);
        }
        if (value == null) {
            return Problem.response(404, "Unknown recording", "no recording '" + id + "' is known",
                    "/recordings/" + id + "/status", null);
        }
        return Response.ok(EventSerdes.RECORDING_STATUS.deserialize(Topics.RECORDING_STATUS, value)).build();
    }

    private static Response accepted(AcceptedRecording a) {
        return Response.accepted(a).location(URI.create(a.statusUrl())).build();
    }
}
