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
            description = "Drain a backend: it gets no new requests; requests in flight finish. Idempotent.")
    static final class Drain extends DrainAction {
        Drain() {
            super(AdminGrpc.AdminBlockingStub::drain);
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
