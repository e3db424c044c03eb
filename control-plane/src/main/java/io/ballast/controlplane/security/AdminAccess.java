package io.ballast.controlplane.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ballast.common.config.Checks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin identities of {@code --admin-auth <file.yaml>}: bearer tokens and client-certificate
 * subject CNs, each with a {@link Role}. Immutable; read once at startup.
 *
 * <pre>
 * tokens:
 *   - {token: "a-long-random-secret", identity: ann, role: operator}
 * certificates:
 *   - {cn: ops-admin, role: admin}
 * </pre>
 *
 * <p>Tokens are kept only as SHA-256 digests, so a presented token is looked up by its digest and
 * never compared character by character with a secret (no timing signal), and no token is ever
 * printed. Unknown keys, unknown roles, short or duplicate tokens and duplicate CNs are refused.
 *
 * @param tokens identity by hex SHA-256 of its token
 * @param certificates role by client-certificate subject CN
 */
public record AdminAccess(Map<String, AdminIdentity> tokens, Map<String, Role> certificates) {

    /** Shorter tokens are refused: a token is a password that cannot be rate limited by a login prompt. */
    public static final int MIN_TOKEN_LENGTH = 16;
    private static final Pattern IDENTITY = Pattern.compile("[A-Za-z0-9._@:-]{1,128}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    public AdminAccess {
        tokens = Map.copyOf(tokens);
        certificates = Map.copyOf(certificates);
    }

    /**
     * Reads and validates {@code file}.
     *
     * @throws IllegalArgumentException {@code admin-auth "/f.yaml": tokens[0].role: "root" (expected: reader, operator or admin)}
     */
    public static AdminAccess load(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(Checks.message("admin-auth", String.valueOf(file), "a readable YAML file ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")"));
        }
        try {
            return parse(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("admin-auth \"" + file + "\": " + e.getMessage(), e);
        }
    }

    static AdminAccess parse(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = YAML.createObjectNode();
        }
        Checks.check(root.isObject(), "file", root.getNodeType().name().toLowerCase(), "a mapping with tokens and certificates");
        checkKeys("", root, Set.of("tokens", "certificates"));
        Map<String, AdminIdentity> tokens = new HashMap<>();
        Map<String, Integer> tokenIndex = new HashMap<>();
        int i = 0;
        for (JsonNode entry : list(root, "tokens")) {
            String at = "tokens[" + i + "]";
            checkKeys(at, entry, Set.of("token", "identity", "role"));
            String token = text(entry, at + ".token");
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException(at + ".token: " + token.length() + " characters (expected: at least "
                        + MIN_TOKEN_LENGTH + ")");
            }
            String identity = text(entry, at + ".identity");
            Checks.check(IDENTITY.matcher(identity).matches(), at + ".identity", identity, IDENTITY.pattern());
            Role role = Role.parse(at + ".role", text(entry, at + ".role"));
            String digest = sha256(token);
            Integer previous = tokenIndex.putIfAbsent(digest, i);
            if (previous != null) {
                throw new IllegalArgumentException(at + ".token: the token of tokens[" + previous + "] (expected: unique tokens)");
            }
            tokens.put(digest, new AdminIdentity(identity, role, AdminIdentity.Method.TOKEN));
            i++;
        }
        Map<String, Role> certificates = new HashMap<>();
        i = 0;
        for (JsonNode entry : list(root, "certificates")) {
            String at = "certificates[" + i + "]";
            checkKeys(at, entry, Set.of("cn", "role"));
            String cn = text(entry, at + ".cn");
            Role role = Role.parse(at + ".role", text(entry, at + ".role"));
            Checks.check(certificates.putIfAbsent(cn, role) == null, at + ".cn", cn, "unique CNs");
            i++;
        }
        return new AdminAccess(tokens, certificates);
    }

    /** The identity whose token is {@code token}, if any. */
    public Optional<AdminIdentity> byToken(String token) {
        return Optional.ofNullable(tokens.get(sha256(token)));
    }

    /** The identity of a verified client certificate with subject CN {@code cn}, if the CN is listed. */
    public Optional<AdminIdentity> byCertificate(String cn) {
        return Optional.ofNullable(certificates.get(cn)).map(role -> new AdminIdentity(cn, role, AdminIdentity.Method.CERTIFICATE));
    }

    @Override
    public String toString() {
        // Never the digests: they identify tokens.
        return "AdminAccess[" + tokens.size() + " tokens, certificates " + certificates + "]";
    }

    private static Iterable<JsonNode> list(JsonNode root, String key) {
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            return java.util.List.of();
        }
        Checks.check(node.isArray(), key, node.toString(), "a list");
        return node;
    }

    private static void checkKeys(String at, JsonNode node, Set<String> allowed) {
        Checks.check(node.isObject(), at.isEmpty() ? "file" : at, node.toString(), "a mapping of " + new java.util.TreeSet<>(allowed));
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            Checks.check(allowed.contains(name), at.isEmpty() ? "key" : at + " key", name, "one of " + new java.util.TreeSet<>(allowed));
        }
    }

    private static String text(JsonNode entry, String field) {
        String key = field.substring(field.lastIndexOf('.') + 1);
        JsonNode value = entry.path(key);
        Checks.check(value.isValueNode() && !value.isNull() && !value.asText().isBlank(), field,
                value.isMissingNode() ? null : value.toString(), "a non-empty string");
        return value.asText();
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
