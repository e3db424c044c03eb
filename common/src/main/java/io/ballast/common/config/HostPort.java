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
        java.net.InetSocketAddress parsed = parse(field, value, 1);
        return new HostPort(parsed.getHostString(), parsed.getPort());
    }

    /**
     * Parses a bind address {@code host:port} where, unlike {@link #parse}, port 0 ("any free
     * port") is allowed. The result is unresolved; binding resolves it.
     */
    public static java.net.InetSocketAddress parseBindAddress(String field, String value) {
        return parse(field, value, 0);
    }

    private static java.net.InetSocketAddress parse(String field, String value, int minPort) {
        String expected = "host:port with port " + minPort + "..65535";
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
        Checks.check(port >= minPort && port <= 65_535 && !host.isBlank(), field, value, expected);
        return java.net.InetSocketAddress.createUnresolved(host, port);
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
