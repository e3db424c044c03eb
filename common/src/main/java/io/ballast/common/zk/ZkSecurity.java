package io.ballast.common.zk;

import io.ballast.common.config.Checks;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * ZooKeeper ACLs for one cluster's tree, with the digest scheme: who may change what.
 *
 * <ul>
 *   <li>everything: anyone may read (registrations and snapshots' inputs are not secrets; nodes,
 *       ballastctl discovery and every replica read them);</li>
 *   <li>the control plane's principal may do anything anywhere;</li>
 *   <li>{@code backends/} and {@code backends/<service>}: agents may create (and delete) children;
 *       a registration {@code backends/<service>/<id>} belongs to the session that created it
 *       (ZooKeeper's {@code auth} id): no other principal but the control plane may change it;</li>
 *   <li>{@code nodes/}: nodes may create (and delete) children; a node's registration belongs to it;</li>
 *   <li>everything else ({@code control/}, {@code config/}, {@code audit/}): the control plane only.</li>
 * </ul>
 * An unauthenticated client can change nothing. ZooKeeper checks the right to delete a child on
 * its parent, so an agent principal may remove (not modify) another registration under a parent
 * it may create in: give each service's agents their own principal to keep services apart.
 *
 * <p>Every component uses the same provider, so a parent created on the fly by whichever
 * component comes first gets the same ACL. Immutable; any thread.
 *
 * @param root the cluster's root, {@code /ballast/<cluster>}
 * @param controlPlane digest id of the control plane ({@code user:base64(sha1(user:password))})
 * @param nodes digest ids of data-plane nodes
 * @param agents digest ids of agents
 */
public record ZkSecurity(String root, String controlPlane, List<String> nodes, List<String> agents) implements ACLProvider {

    private static final Id ANYONE = new Id("world", "anyone");
    /** "Whoever is authenticated on the creating session", resolved by the server at create time. */
    private static final Id CREATOR = new Id("auth", "");

    public ZkSecurity {
        checkDigestId("control-plane", controlPlane);
        nodes = List.copyOf(nodes);
        agents = List.copyOf(agents);
        for (int i = 0; i < nodes.size(); i++) {
            checkDigestId("nodes[" + i + "]", nodes.get(i));
        }
        for (int i = 0; i < agents.size(); i++) {
            checkDigestId("agents[" + i + "]", agents.get(i));
        }
    }

    /** The digest id ZooKeeper stores for {@code user:password}: {@code user:base64(sha1(user:password))}. */
    public static String digest(String credentials) {
        checkCredentials("zk-auth", credentials);
        try {
            return DigestAuthenticationProvider.generateDigest(credentials);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available", e);
        }
    }

    /** {@code user:password}, both non-empty; IllegalArgumentException naming {@code field} otherwise. */
    public static String checkCredentials(String field, String credentials) {
        int colon = credentials == null ? -1 : credentials.indexOf(':');
        Checks.check(colon > 0 && colon < credentials.length() - 1, field, credentials == null ? null : "<hidden>",
                "user:password, both non-empty");
        return credentials;
    }

    /** The credentials as Curator's {@code authorization("digest", bytes)} wants them. */
    public static byte[] authBytes(String credentials) {
        return checkCredentials("zk-auth", credentials).getBytes(StandardCharsets.UTF_8);
    }

    private static void checkDigestId(String field, String id) {
        int colon = id == null ? -1 : id.indexOf(':');
        Checks.check(colon > 0 && colon < id.length() - 1, field, id, "user:digest, as printed by `bin/ballast zk-digest user:password`");
    }

    @Override
    public List<ACL> getDefaultAcl() {
        return controlPlaneOnly();
    }

    @Override
    public List<ACL> getAclForPath(String path) {
        String backends = root + "/backends";
        String nodesPath = root + "/nodes";
        if (path.equals(backends) || isChild(path, backends)) {
            return parentFor(agents);
        }
        if (isChild(path, backends, 2)) {
            return owned();
        }
        if (path.equals(nodesPath)) {
            return parentFor(nodes);
        }
        if (isChild(path, nodesPath)) {
            return owned();
        }
        if (root.startsWith(path + "/") || path.equals("/ballast")) {
            // /ballast (and the cluster root's ancestors): agents and nodes create through them on a fresh tree.
            List<ACL> acl = parentFor(agents);
            nodes.forEach(node -> acl.add(new ACL(Perms.CREATE, new Id("digest", node))));
            return acl;
        }
        if (path.equals(root)) {
            List<ACL> acl = parentFor(agents);
            nodes.forEach(node -> acl.add(new ACL(Perms.CREATE, new Id("digest", node))));
            return acl;
        }
        return controlPlaneOnly();
    }

    private List<ACL> controlPlaneOnly() {
        List<ACL> acl = new ArrayList<>();
        acl.add(new ACL(Perms.READ, ANYONE));
        acl.add(new ACL(Perms.ALL, new Id("digest", controlPlane)));
        return acl;
    }

    private List<ACL> parentFor(List<String> creators) {
        List<ACL> acl = controlPlaneOnly();
        creators.forEach(creator -> acl.add(new ACL(Perms.CREATE | Perms.DELETE, new Id("digest", creator))));
        return acl;
    }

    private List<ACL> owned() {
        List<ACL> acl = controlPlaneOnly();
        acl.add(new ACL(Perms.ALL, CREATOR));
        return acl;
    }

    private static boolean isChild(String path, String parent) {
        return isChild(path, parent, 1);
    }

    /** True when {@code path} is exactly {@code depth} levels below {@code parent}. */
    private static boolean isChild(String path, String parent, int depth) {
        if (!path.startsWith(parent + "/")) {
            return false;
        }
        String rest = path.substring(parent.length() + 1);
        return !rest.isEmpty() && rest.split("/", -1).length == depth && !rest.contains("//");
    }
}
