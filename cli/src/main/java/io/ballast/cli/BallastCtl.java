package io.ballast.cli;

import io.ballast.common.process.ParentWatchdog;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ballastctl}: the operator's client of the gRPC admin API. Every subcommand reaches
 * a control-plane replica by {@code --server}, or by discovering the live replicas in
 * ZooKeeper ({@code --zk}, default 127.0.0.1:2181), and fails over to the next replica
 * when one is unreachable.
 *
 * <p>Exit codes: 0 success, 1 the cluster refused the call (invalid argument, not found),
 * 2 bad usage, 3 no replica reachable.
 */
@Command(
        name = "ballastctl",
        mixinStandardHelpOptions = true,
        version = "ballastctl 0.1.0",
        description = "Administer a Ballast cluster through its gRPC admin API.",
        subcommands = {
            StatusCommand.class,
            BackendsCommand.class,
            SetWeightCommand.class,
            PolicyCommands.Set.class,
            PolicyCommands.Get.class,
            RouteCommands.Set.class,
            RouteCommands.ListRoutes.class,
            ExplainCommand.class,
            ServicesCommand.class,
            BackendCommand.class,
            PolicyCommands.Delete.class,
            ClusterLogCommands.Events.class,
            ClusterLogCommands.Audit.class,
            WatchCommand.class,
            picocli.AutoComplete.GenerateCompletion.class,
            DrainCommands.Drain.class,
            DrainCommands.Undrain.class,
            DrainCommands.Eject.class,
            DrainCommands.Restore.class,
            CommandLine.HelpCommand.class
        })
public final class BallastCtl implements Runnable {

    public static final int EXIT_REFUSED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_UNAVAILABLE = 3;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BallastCtl());
        commandLine.setExitCodeExceptionMapper(AdminCallException::exitCodeOf);
        commandLine.setExecutionExceptionHandler((ex, cl, parseResult) -> {
            cl.getErr().println("ballastctl: " + ex.getMessage());
            return cl.getExitCodeExceptionMapper().getExitCode(ex);
        });
        return commandLine;
    }

    public static void main(String[] args) {
        ParentWatchdog.startIfRequested();
        System.exit(commandLine().execute(args));
    }
}
