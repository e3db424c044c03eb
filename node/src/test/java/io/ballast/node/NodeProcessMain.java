package io.ballast.node;

import picocli.CommandLine;

/** {@code ballast node} as its own JVM for {@link NodeSigtermTest} (the launcher lives in another module). */
public final class NodeProcessMain {

    private NodeProcessMain() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new NodeCommand()).execute(args));
    }
}
