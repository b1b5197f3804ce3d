package io.emostream.reporting.rest;

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
 * The API's OpenAPI description: every operation needs an API key in the X-API-Key header, and every error is a
 * problem details body (shared responses {@value #BAD_REQUEST}, {@value #UNAUTHORIZED}, {@value #NOT_FOUND}).
 */
@OpenAPIDefinition(
        info =
                @Info(
                        title = "EmoStream reporting API",
                        version = "1.0",
                        description = "Recordings, utterances and emotion statistics recognised from speech and text. "
                                + "Errors are RFC 9457 problem details (application/problem+json)."),
        security = @SecurityRequirement(name = ReportingApi.API_KEY),
        components =
                @Components(
                        responses = {
                            @APIResponse(
                                    name = ReportingApi.BAD_REQUEST,
                                    responseCode = "400",
                                    description =
                                            "A query or path parameter is unknown, repeated, malformed or out of range",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = ReportingApi.UNAUTHORIZED,
                                    responseCode = "401",
                                    description = "No X-API-Key header, or a key that is not accepted",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class))),
                            @APIResponse(
                                    name = ReportingApi.NOT_FOUND,
                                    responseCode = "404",
                                    description = "No such recording or utterance",
                                    content =
                                            @Content(
                                                    mediaType = Problem.MEDIA_TYPE,
                                                    schema = @Schema(implementation = Problem.class)))
                        }))
@SecurityScheme(
        securitySchemeName = ReportingApi.API_KEY,
        type = SecuritySchemeType.APIKEY,
        in = SecuritySchemeIn.HEADER,
        apiKeyName = ApiKeyFilter.HEADER)
public class ReportingApi extends Application {

    static final String API_KEY = "apiKey";
    static final String BAD_REQUEST = "BadRequest";
    static final String UNAUTHORIZED = "Unauthorized";
    static final String NOT_FOUND = "NotFound";
    static final String REF = "#/components/responses/";
}
