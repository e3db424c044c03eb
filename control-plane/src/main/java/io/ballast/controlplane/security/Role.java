package io.ballast.controlplane.security;

import io.ballast.common.config.Checks;
import java.util.Locale;

/**
 * What an admin identity may do, each role including the ones before it: {@code reader} reads,
 * {@code operator} also drains, weights and ejects backends, {@code admin} also changes services,
 * policies and routes. Which RPC needs which role is {@link AdminRoles}.
 */
public enum Role {
    READER,
    OPERATOR,
    ADMIN;

    /** True when this role may call an RPC that requires {@code required}. */
    public boolean includes(Role required) {
        return compareTo(required) >= 0;
    }

    /** {@code reader}, {@code operator}, {@code admin}: the spelling of the auth file and of messages. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code reader|operator|admin}, any case. */
    public static Role parse(String field, String value) {
        for (Role role : values()) {
            if (role.label().equalsIgnoreCase(value)) {
                return role;
            }
        }
        throw new IllegalArgumentException(Checks.message(field, value, "reader, operator or admin"));
    }

    @Override
    public String toString() {
        return label();
    }
}
