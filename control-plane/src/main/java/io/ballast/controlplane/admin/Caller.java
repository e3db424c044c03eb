package io.ballast.controlplane.admin;

import io.ballast.proto.v1.AuditEntry;

/**
 * Who made the current admin call, for the audit log. Without admin authentication every caller
 * is {@code anonymous} with role {@code admin} (the demo's default).
 *
 * @param identity certificate CN, token identity, or "anonymous"
 * @param role reader, operator or admin
 */
record Caller(String identity, String role) {

    static final Caller ANONYMOUS = new Caller("anonymous", "admin");

    /** The caller of the gRPC call this thread is serving (the admin interceptor put it in the gRPC context). */
    static Caller current() {
        io.ballast.controlplane.security.AdminIdentity identity = io.ballast.controlplane.security.AdminIdentity.current();
        return new Caller(identity.name(), identity.role().label());
    }

    void describe(AuditEntry.Builder entry) {
        entry.setIdentity(identity).setRole(role);
    }
}
