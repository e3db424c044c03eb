package io.ballast.controlplane.security;

import io.ballast.proto.v1.AdminGrpc;
import java.util.List;
import java.util.Map;

/**
 * The role each admin RPC requires. A new RPC is one line of {@link #TABLE}; one missing from it
 * is classified by the naming convention of the API ({@code Get*}, {@code List*}, {@code Watch*},
 * {@code Explain*} read; {@code Eject*}, {@code Restore*} act on backends) and anything else,
 * like a method of another service, requires {@code admin}: a forgotten entry fails safe.
 */
public final class AdminRoles {

    /** By method name within {@code ballast.v1.Admin}. */
    private static final Map<String, Role> TABLE = Map.ofEntries(
            Map.entry("GetStatus", Role.READER),
            Map.entry("ListBackends", Role.READER),
            Map.entry("GetBackend", Role.READER),
            Map.entry("GetServicePolicy", Role.READER),
            Map.entry("ListServices", Role.READER),
            Map.entry("GetRoutes", Role.READER),
            Map.entry("ExplainWeight", Role.READER),
            Map.entry("WatchEvents", Role.READER),
            Map.entry("ListEvents", Role.READER),
            Map.entry("ListAudit", Role.READER),
            Map.entry("SetWeight", Role.OPERATOR),
            Map.entry("Drain", Role.OPERATOR),
            Map.entry("Undrain", Role.OPERATOR),
            Map.entry("Eject", Role.OPERATOR),
            Map.entry("Restore", Role.OPERATOR),
            Map.entry("SetServicePolicy", Role.ADMIN),
            Map.entry("DeleteServicePolicy", Role.ADMIN),
            Map.entry("SetRoutes", Role.ADMIN));

    private static final List<String> READ_PREFIXES = List.of("Get", "List", "Watch", "Explain");
    private static final List<String> OPERATOR_PREFIXES = List.of("Eject", "Restore");
    private static final String PREFIX = AdminGrpc.SERVICE_NAME + "/";

    private AdminRoles() {}

    /** The role needed to call {@code fullMethodName} ({@code ballast.v1.Admin/SetWeight}). */
    public static Role required(String fullMethodName) {
        if (fullMethodName == null || !fullMethodName.startsWith(PREFIX)) {
            return Role.ADMIN;
        }
        String method = fullMethodName.substring(PREFIX.length());
        Role listed = TABLE.get(method);
        if (listed != null) {
            return listed;
        }
        if (startsWithWord(method, READ_PREFIXES)) {
            return Role.READER;
        }
        if (startsWithWord(method, OPERATOR_PREFIXES)) {
            return Role.OPERATOR;
        }
        return Role.ADMIN;
    }

    /** {@code GetFoo} starts with the word {@code Get}; {@code Getaway} does not. */
    private static boolean startsWithWord(String method, List<String> prefixes) {
        for (String prefix : prefixes) {
            if (method.startsWith(prefix)
                    && (method.length() == prefix.length() || Character.isUpperCase(method.charAt(prefix.length())))) {
                return true;
            }
        }
        return false;
    }
}
