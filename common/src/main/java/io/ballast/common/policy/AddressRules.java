package io.ballast.common.policy;

import io.ballast.common.config.Checks;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a service's backends may be: a list of IP addresses and CIDR blocks an operator sets on
 * the service. A registration claiming an address outside it (a misconfigured or rogue agent)
 * is ignored by the control plane and never pushed to the nodes.
 *
 * <p>Only literal addresses are checked: a DNS name cannot be checked without a lookup (which
 * would block, and whose answer the nodes might not share), so with a non-empty list a DNS host
 * is refused. Pure; any thread; never resolves names (literals only, see {@link #LITERAL}).
 */
public final class AddressRules {

    /** IPv4 dotted quad or an IPv6 literal (hex groups and colons, optionally with a dotted tail). */
    static final Pattern LITERAL = Pattern.compile("(\\d{1,3}(\\.\\d{1,3}){3})|([0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)");

    private AddressRules() {}

    /** Appends a problem for every entry that is not an address or CIDR block. */
    public static void check(List<String> problems, String field, List<String> networks) {
        for (int i = 0; i < networks.size(); i++) {
            if (parse(networks.get(i)).isEmpty()) {
                problems.add(Checks.message(field + "[" + i + "]", networks.get(i),
                        "an IPv4 or IPv6 address or CIDR block, e.g. 10.0.0.0/8 or fd00::/8"));
            }
        }
    }

    /** Why {@code host} may not register, or empty when it may (always when {@code networks} is empty). */
    public static Optional<String> violation(String host, List<String> networks) {
        if (networks.isEmpty()) {
            return Optional.empty();
        }
        Optional<byte[]> address = literal(host);
        if (address.isEmpty()) {
            return Optional.of("host \"" + host + "\" is not an IP address, and the service only allows " + String.join(", ", networks));
        }
        for (String network : networks) {
            Optional<Block> block = parse(network);
            if (block.isPresent() && block.get().contains(address.get())) {
                return Optional.empty();
            }
        }
        return Optional.of("address " + host + " is outside the service's allowed networks " + String.join(", ", networks));
    }

    private record Block(byte[] base, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != base.length) {
                return false;
            }
            int bits = address.length * 8;
            BigInteger mask = prefix == 0 ? BigInteger.ZERO
                    : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftRight(bits - prefix).shiftLeft(bits - prefix);
            return new BigInteger(1, address).and(mask).equals(new BigInteger(1, base).and(mask));
        }
    }

    private static Optional<Block> parse(String network) {
        if (network == null) {
            return Optional.empty();
        }
        int slash = network.indexOf('/');
        Optional<byte[]> base = literal(slash < 0 ? network : network.substring(0, slash));
        if (base.isEmpty()) {
            return Optional.empty();
        }
        int max = base.get().length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(network.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (prefix < 0 || prefix > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new Block(base.get(), prefix));
    }

    /** The bytes of a literal IP address; never a DNS lookup (the pattern admits literals only). */
    private static Optional<byte[]> literal(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!LITERAL.matcher(bare).matches()) {
            return Optional.empty();
        }
        if (!bare.contains(":")) {
            // A dotted quad with an octet above 255 is not a literal, and getByName would look it up.
            for (String octet : bare.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return Optional.empty();
                }
            }
        }
        try {
            return Optional.of(InetAddress.getByName(bare).getAddress());
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
