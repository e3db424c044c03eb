package io.ballast.launcher;

import io.ballast.common.zk.ZkSecurity;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code bin/ballast zk-digest user:password}: the digest id to put in the ACL file; prints nothing secret beyond its input. */
@Command(name = "zk-digest", mixinStandardHelpOptions = true,
        description = "Print the ZooKeeper digest id (user:base64(sha1(user:password))) of credentials, for the --zk-acl file.")
final class ZkDigestCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER:PASSWORD") String credentials;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(ZkSecurity.digest(credentials));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
