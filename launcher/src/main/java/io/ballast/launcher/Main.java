package io.ballast.launcher;

import io.ballast.agent.AgentCommand;
import io.ballast.common.config.ConfigFile;
import io.ballast.common.process.ParentWatchdog;
import io.ballast.controlplane.ControlPlaneCommand;
import io.ballast.launcher.demo.DemoBackendCommand;
import io.ballast.launcher.demo.DemoCommand;
import io.ballast.launcher.zookeeper.ZooKeeperCommand;
import io.ballast.node.NodeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/ballast}: one launcher for every component. Each subcommand runs one
 * component in this JVM until SIGTERM/SIGINT; {@code demo} runs a whole cluster as child
 * processes.
 */
@Command(
        name = "ballast",
        mixinStandardHelpOptions = true,
        version = "ballast 0.1.0",
        description = "Ballast: a highly available load-balancer cluster.",
        subcommands = {
            DemoCommand.class,
            ZooKeeperCommand.class,
            ControlPlaneCommand.class,
            NodeCommand.class,
            AgentCommand.class,
            DemoBackendCommand.class,
            ZkDigestCommand.class,
            TlsCertsCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Builds the launcher's command line, with {@code --config} values installed for the
     * selected subcommand. The docker-compose test uses this same parser.
     *
     * @throws IllegalArgumentException when the config file is unreadable or has an unknown key
     */
    public static CommandLine commandLine(String[] args) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) -> {
            if (ex instanceof IllegalArgumentException) {
                cl.getErr().println("ballast " + cl.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            if (ex instanceof IllegalStateException) {
                // e.g. an address already in use: the message says what, no stack trace needed.
                cl.getErr().println("ballast " + cl.getCommandName() + ": " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        ConfigFile.install(commandLine, args);
        return commandLine;
    }

    public static void main(String[] args) {
        ParentWatchdog.startIfRequested();
        CommandLine commandLine;
        try {
            commandLine = commandLine(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ballast: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(commandLine.execute(args));
    }
}
