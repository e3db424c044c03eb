package io.ballast.controlplane.admin;

import io.ballast.controlplane.events.EventLog;
import io.ballast.controlplane.state.ClusterState;
import io.ballast.controlplane.stream.StreamView;
import io.ballast.controlplane.weights.WeightResult;
import java.util.Map;

/**
 * What the admin API reads of its replica's in-memory state. Implemented by the control loop;
 * every method may be called from gRPC threads and returns immutable values (or empty ones when
 * the state thread does not answer within a second).
 */
public interface ReplicaView {

    /** The replica's cached view of ZooKeeper. */
    ClusterState state();

    /** The control streams of the nodes subscribed to this replica, by node id; empty unless it leads. */
    Map<String, StreamView> streams();

    /** The latest computed weights by service then id. */
    Map<String, ? extends Map<String, WeightResult>> weights();

    EventLog events();

    /** Failure handling in force per service (self-preservation, panic, ejections), as this replica sees it. */
    java.util.List<io.ballast.proto.v1.ServiceHealth> serviceHealth();

    /** Why failure handling ejects or holds down {@code service/id} (outlier quorum, flap damping); empty when it does not. */
    java.util.Optional<String> healthReason(String service, String id);

    /** SUSPECT, outlier-ejected and flap-held endpoints, as this replica's failure handling sees them. */
    io.ballast.controlplane.health.HealthOverlay healthOverlay();

    /** Runs {@code task} on the state thread and returns its result, or {@code fallback} after a second. */
    <T> T onStateThread(java.util.function.Supplier<T> task, T fallback);
}
