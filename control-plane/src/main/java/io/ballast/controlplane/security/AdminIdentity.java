package io.ballast.controlplane.security;

import io.grpc.Context;
import java.util.Locale;
import java.util.Objects;

/**
 * Who is calling the admin API, as {@link AdminAuthInterceptor} established it.
 *
 * <p>Service code reads it with {@link #current()} on the thread that runs the call (gRPC
 * carries the {@link Context} there); work handed to another executor must capture it first.
 * Without an interceptor, as when admin authentication is off, it is {@link #ANONYMOUS}.
 *
 * @param name the token's identity from the auth file, the client certificate's subject CN, or
 *     {@code anonymous}
 * @param role what the identity may do
 * @param method how it was authenticated
 */
public record AdminIdentity(String name, Role role, Method method) {

    /** How an identity was authenticated. */
    public enum Method {
        /** Admin authentication is off (no {@code --admin-auth}): everybody is the anonymous admin. */
        NONE,
        /** A bearer token listed in the auth file ({@code authorization: Bearer <token>}). */
        TOKEN,
        /** A client certificate verified by mutual TLS, whose subject CN is listed in the auth file. */
        CERTIFICATE;

        /** {@code none}, {@code token}, {@code certificate}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Every caller when admin authentication is off. */
    public static final AdminIdentity ANONYMOUS = new AdminIdentity("anonymous", Role.ADMIN, Method.NONE);

    static final Context.Key<AdminIdentity> KEY = Context.keyWithDefault("ballast-admin-identity", ANONYMOUS);

    public AdminIdentity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(method, "method");
    }

    /** The identity of the admin call running on this thread; {@link #ANONYMOUS} when none was established. */
    public static AdminIdentity current() {
        return KEY.get();
    }

    /** {@code ann (role operator, by token)}: how messages and logs name the caller. */
    public String describe() {
        return name + " (role " + role.label() + ", by " + method.label() + ")";
    }
}
