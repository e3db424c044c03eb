package io.ballast.cli;

import io.ballast.proto.v1.AdminGrpc;
import io.ballast.proto.v1.Backend;
import io.ballast.proto.v1.DrainRequest;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drain}, {@code undrain}, {@code eject} and {@code restore}: a backend in and out of rotation. */
final class DrainCommands {

    private DrainCommands() {}

    abstract static class DrainAction implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", description = "Service name.") String service;
        @Parameters(index = "1", description = "Backend (endpoint) id.") String id;

        private final BiFunction<AdminGrpc.AdminBlockingStub, DrainRequest, Backend> rpc;

        DrainAction(BiFunction<AdminGrpc.AdminBlockingStub, DrainRequest, Backend> rpc) {
            this.rpc = rpc;
        }

        @Override
        public Integer call() {
            boolean json = options.json();
            DrainRequest request = DrainRequest.newBuilder().setService(service).setId(id).build();
            Backend backend = AdminClient.call(options, stub -> rpc.apply(stub, request));
            BackendsCommand.print(spec.commandLine().getOut(), backend, json);
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Drain a backend: it gets no new requests; requests in flight finish. Idempotent.",
                "With --wait, return once every live node has applied the drain and has no request in flight to the"
                        + " backend (the drain barrier), or after --wait-timeout-ms naming the nodes that lag (exit code 1)."})
    static final class Drain implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", description = "Service name.") String service;
        @Parameters(index = "1", description = "Backend (endpoint) id.") String id;

        @picocli.CommandLine.Option(names = "--wait", description = "Wait for the drain barrier.") boolean await;

        @picocli.CommandLine.Option(names = "--wait-timeout-ms", paramLabel = "MS",
                description = "--wait: give up after this long, 1..600000 (default: 30000).")
        int waitTimeoutMillis;

        @Override
        public Integer call() {
            boolean json = options.json();
            DrainRequest request = DrainRequest.newBuilder().setService(service).setId(id).setWait(await)
                    .setTimeoutMillis(waitTimeoutMillis).build();
            // The call itself lasts as long as the barrier may: the deadline covers the wait.
            long deadline = Math.max(options.timeoutMillis, (await ? (waitTimeoutMillis == 0 ? 30_000 : waitTimeoutMillis) : 0) + 5_000L);
            options.timeoutMillis = deadline;
            Backend backend = AdminClient.call(options, stub -> stub.drain(request));
            java.io.PrintWriter out = spec.commandLine().getOut();
            BackendsCommand.print(out, backend, json);
            if (!json && backend.hasDrain()) {
                out.println("drain " + backend.getDrain().getState().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                        + " (since version " + backend.getDrain().getVersion() + ")"
                        + (backend.getDrain().getLaggingCount() == 0 ? "" : ", waiting for: " + String.join("; ", backend.getDrain().getLaggingList())));
                out.flush();
            }
            return backend.hasDrain() && backend.getDrain().getState().equals("TIMED_OUT") ? BallastCtl.EXIT_REFUSED : 0;
        }
    }

    @Command(name = "undrain", mixinStandardHelpOptions = true,
            description = "Undrain a backend: it receives traffic again. Idempotent.")
    static final class Undrain extends DrainAction {
        Undrain() {
            super(AdminGrpc.AdminBlockingStub::undrain);
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore an ejected backend: it receives traffic again (a drain or weight override stays). Idempotent.")
    static final class Restore extends DrainAction {
        Restore() {
            super(AdminGrpc.AdminBlockingStub::restore);
        }
    }

    @Command(name = "eject", mixinStandardHelpOptions = true,
            description = "Eject a backend by hand: no new requests to it at once (state EJECTED), with a reason. Idempotent;"
                    + " `restore` reverses it.")
    static final class Eject implements Callable<Integer> {

        @Mixin ConnectionOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", description = "Service name.") String service;
        @Parameters(index = "1", description = "Backend (endpoint) id.") String id;

        @picocli.CommandLine.Option(names = "--reason", required = true, description = "Why (1..256 characters), kept in the audit log.")
        String reason;

        @Override
        public Integer call() {
            boolean json = options.json();
            io.ballast.proto.v1.EjectRequest request = io.ballast.proto.v1.EjectRequest.newBuilder()
                    .setService(service).setId(id).setReason(reason).build();
            Backend backend = AdminClient.call(options, stub -> stub.eject(request));
            BackendsCommand.print(spec.commandLine().getOut(), backend, json);
            return 0;
        }
    }
}
