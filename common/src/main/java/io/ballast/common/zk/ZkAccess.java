package io.ballast.common.zk;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.common.config.Checks;
import io.ballast.common.config.ConfigFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;

/**
 * How a component reaches ZooKeeper: anonymously with open ACLs (the demo's default), or with
 * digest credentials and the cluster's {@link ZkSecurity} ACLs. Immutable; any thread.
 *
 * @param credentials {@code user:password}, or null for anonymous access
 * @param security the ACLs of the tree, or null with anonymous access
 */
public record ZkAccess(String credentials, ZkSecurity security) {

    public static final ZkAccess OPEN = new ZkAccess(null, null);

    public ZkAccess {
        Checks.check((credentials == null) == (security == null), "zk-auth", credentials == null ? "not set" : "<hidden>",
                "--zk-auth together with --zk-acl, or neither");
        if (credentials != null) {
            ZkSecurity.checkCredentials("zk-auth", credentials);
        }
    }

    /**
     * From the options: {@code credentials} ({@code user:password}) and {@code aclFile}, a YAML file
     * {@code {controlPlane: "user:digest", nodes: [...], agents: [...]}} with the digests
     * {@code bin/ballast zk-digest} prints. Both null: {@link #OPEN}.
     */
    public static ZkAccess of(String credentials, Path aclFile, ZkPaths paths) {
        if (credentials == null && aclFile == null) {
            return OPEN;
        }
        Checks.check(credentials != null && aclFile != null, credentials == null ? "zk-auth" : "zk-acl", "not set",
                "--zk-auth together with --zk-acl, or neither");
        JsonNode acl;
        try {
            acl = ConfigFile.yamlMapper().readTree(Files.readString(aclFile));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(Checks.message("zk-acl", aclFile.toString(),
                    "a readable YAML file with controlPlane, nodes and agents (" + e.getMessage() + ")"));
        }
        return new ZkAccess(credentials, new ZkSecurity(paths.root(), acl.path("controlPlane").asText(null),
                strings(acl.path("nodes")), strings(acl.path("agents"))));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    /** A new, not yet started client with these credentials and ACLs. */
    public CuratorFramework newClient(String connectString, Duration sessionTimeout) {
        return credentials == null ? ZkClients.newClient(connectString, sessionTimeout)
                : ZkClients.newClient(connectString, sessionTimeout, credentials, security);
    }

    @Override
    public String toString() {
        return credentials == null ? "ZkAccess[open]" : "ZkAccess[" + credentials.substring(0, credentials.indexOf(':')) + "]";
    }
}
