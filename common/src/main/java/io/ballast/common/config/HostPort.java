package io.ballast.common.config;

/** A {@code host:port} pair, validated on construction. */
public record HostPort(String host, int port) {

    public HostPort {
        Checks.checkNotBlank("host", host);
        Checks.checkPort("port", port);
    }

    /**
     * Parses {@code host:port} (IPv6 as {@code [::1]:port}).
     *
     * @param field names the value in the error message
     */
    public static HostPort parse(String field, String value) {
        String expected = "host:port with port 1..65535";
        Checks.check(value != null && !value.isBlank(), field, value, expected);
        int colon = value.lastIndexOf(':');
        Checks.check(colon > 0 && colon < value.length() - 1, field, value, expected);
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Checks.message(field, value, expected));
        }
        Checks.check(port >= 1 && port <= 65_535 && !host.isBlank(), field, value, expected);
        return new HostPort(host, port);
    }

    /** Validates a ZooKeeper connect string {@code host:port[,host:port...]} (an optional chroot is not allowed). */
    public static String checkConnectString(String field, String value) {
        String expected = "host:port[,host:port...]";
        Checks.check(value != null && !value.isBlank(), field, value, expected);
        for (String part : value.split(",")) {
            try {
                parse(field, part.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(Checks.message(field, value, expected));
            }
        }
        return value;
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
