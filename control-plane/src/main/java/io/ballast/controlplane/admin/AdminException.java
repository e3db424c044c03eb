package io.ballast.controlplane.admin;

import io.grpc.Status;

/** An admin call's failure as the gRPC status to answer with. Thrown and caught inside this package only. */
final class AdminException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Status status;

    AdminException(Status status) {
        super(status.getDescription(), null, false, false);
        this.status = status;
    }

    static AdminException notFound(String message) {
        return new AdminException(Status.NOT_FOUND.withDescription(message));
    }

    Status status() {
        return status;
    }
}
