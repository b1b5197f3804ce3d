package io.emostream.reporting.rest;

import io.emostream.contracts.Problem;

/** Ends a request with a problem details response; thrown by resources, turned into a response by {@link ProblemMappers}. */
public final class ProblemException extends RuntimeException {

    private final int status;
    private final String kind;
    private final String title;
    private final String parameter;

    private ProblemException(int status, String kind, String title, String detail, String parameter) {
        super(detail, null, false, false);
        this.status = status;
        this.kind = kind;
        this.title = title;
        this.parameter = parameter;
    }

    /** 400: one parameter is missing, malformed or out of range. */
    public static ProblemException invalidParameter(String parameter, String detail) {
        return new ProblemException(400, "invalid-parameter", "Invalid parameter", detail, parameter);
    }

    /** 404: the id is well-formed but nothing has it. */
    public static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not found", detail, null);
    }

    /** 422: the request is valid but asks for more rows than one export may return. */
    public static ProblemException exportTooLarge(String detail) {
        return new ProblemException(422, "export-too-large", "Export too large", detail, null);
    }

    Problem toProblem(String instance) {
        return Problem.of(kind, title, status, getMessage(), instance).withParameter(parameter);
    }
}
