package io.ballast.bench.controlplane;

import io.ballast.proto.v1.ControlPlaneGrpc;
import io.ballast.proto.v1.NodeMessage;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The real {@code ballast.v1.ControlPlane/Subscribe} method, with the server's messages kept as
 * their wire bytes: a simulated node sees exactly what the leader serialized for it (and how
 * many bytes), and decodes only the few fields it needs ({@link PushShape}). Requests are the
 * generated {@link NodeMessage}. Immutable.
 */
final class RawSubscribe {

    static final MethodDescriptor<NodeMessage, byte[]> METHOD = ControlPlaneGrpc.getSubscribeMethod().toBuilder(
                    ProtoUtils.marshaller(NodeMessage.getDefaultInstance()), new BytesMarshaller())
            .build();

    private RawSubscribe() {}

    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
