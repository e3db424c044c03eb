package io.ballast.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A failed admin call, carrying the exit code ballastctl ends with. */
final class AdminCallException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int exitCode;

    AdminCallException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    static AdminCallException of(StatusRuntimeException e, String address) {
        Status status = e.getStatus();
        String detail = status.getDescription() == null ? "" : ": " + status.getDescription();
        String message = status.getCode() + detail + " (replica " + address + ")";
        return new AdminCallException(message, BallastCtl.EXIT_REFUSED);
    }

    static int exitCodeOf(Throwable t) {
        if (t instanceof AdminCallException e) {
            return e.exitCode;
        }
        if (t instanceof IllegalArgumentException) {
            return BallastCtl.EXIT_USAGE;
        }
        return BallastCtl.EXIT_REFUSED;
    }
}
