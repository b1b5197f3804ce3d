package io.emostream.ingest.rest;

import io.emostream.contracts.ApiKeys;
import io.emostream.contracts.Problem;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The API's OpenAPI description, as reporting's {@code ReportingApi}: every operation needs an API key in the
 * X-API-Key header, and every error is a problem details body, declared once here and referred to by
 * {@link #REF} + name from the operations.
 */
@OpenAPIDefinition(
        info =
                @Info(
                        title = "EmoStream ingest API",
                        version = "1.0",
                        description =
                                "Upload recordings (with their transcripts) and follow them through ingest. Errors are "
                                        + "RFC 9457 problem details (application/problem+json)."),
        security = @SecurityRequirement(name = IngestApi.API_KEY),
        components =
                @Components(
                        responses = {
                            @APIResponse(
                                    name = IngestApi.BAD_REQUEST,
                                    responseCode = "400",
                                    description = "Malformed transcript or parameters",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.UNAUTHORIZED,
                                    responseCode = "401",
                                    description = "No X-API-Key header, or a key that is not accepted",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.NOT_FOUND,
                                    responseCode = "404",
                                    description = "Unknown recording",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.CONFLICT,
                                    responseCode = "409",
                                    description = "The recordingId belongs to another upload",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.TOO_LARGE,
                                    responseCode = "413",
                                    description = "Recording too large",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.NOT_AUDIO,
                                    responseCode = "415",
                                    description = "Not decodable audio",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.UNUSABLE,
                                    responseCode = "422",
                                    description =
                                            "Empty, corrupt, truncated or too long audio; transcript outside the audio",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = IngestApi.BUSY,
                                    responseCode = "429",
                                    description = "Too many uploads at once; retry after Retry-After seconds",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class)))
                        }))
@SecurityScheme(
        securitySchemeName = IngestApi.API_KEY,
        type = SecuritySchemeType.APIKEY,
        in = SecuritySchemeIn.HEADER,
        apiKeyName = ApiKeys.HEADER)
public class IngestApi extends Application {

    static final String API_KEY = "apiKey";
    static final String REF = "#/components/responses/";
    static final String BAD_REQUEST = "BadRequest";
    static final String UNAUTHORIZED = "Unauthorized";
    static final String NOT_FOUND = "NotFound";
    static final String CONFLICT = "Conflict";
    static final String TOO_LARGE = "TooLarge";
    static final String NOT_AUDIO = "NotAudio";
    static final String UNUSABLE = "Unusable";
    static final String BUSY = "Busy";
}
