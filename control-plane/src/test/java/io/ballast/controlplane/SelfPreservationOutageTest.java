package io.ballast.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.common.json.Json;
import io.ballast.proto.v1.EndpointState;
import io.ballast.proto.v1.Event;
import io.ballast.proto.v1.ListEventsRequest;
import io.ballast.testing.ZooKeeperExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ZooKeeper down for everyone, longer than the agents' sessions, then back: the old sessions expire
 * at once and the replica's cache sees every registration vanish together. That must be
 * self-preservation (SUSPECT endpoints), not a removal storm. Own server: it is stopped.
 */
class SelfPreservationOutageTest {

    @RegisterExtension
    static final ZooKeeperExtension zk = new ZooKeeperExtension();

    private static final List<String> IDS = List.of("a", "b", "c");
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(60);

    private Replicas replicas;

    @AfterEach
    void closeAll() {
        if (replicas != null) {
            replicas.close();
        }
    }

    private List<Event> events(ControlPlane replica) {
        return replicas.admin(replica).listEvents(ListEventsRequest.newBuilder().setLimit(1000).build()).getEventsList();
    }

    private PersistentNode register(CuratorFramework client, String id) throws Exception {
        int port = 8001 + IDS.indexOf(id);
        PersistentNode node = new PersistentNode(client, CreateMode.EPHEMERAL, false, replicas.paths.backend("web", id),
                Json.write(Replicas.registration("web", id, port, 100)));
        node.start();
        return node;
    }

    @Test
    void registrationsVanishingAtReconnectionAreHeldAsSuspectAndReturnActive() throws Exception {
        replicas = new Replicas(zk);
        ControlPlane replica = replicas.start("cp-1");
        replicas.awaitLeader(0);
        Set<String> lost = ConcurrentHashMap.newKeySet();
        // The first agents' registrations are not closed one by one: that would delete them. They
        // end as an agent killed mid-outage ends, with its client (ZooKeeperExtension closes the
        // clients after the test, should it fail before).
        List<CuratorFramework> agents = new ArrayList<>();
        for (String id : IDS) {
            CuratorFramework client = zk.newClient(Replicas.SESSION);
            client.getConnectionStateListenable().addListener((c, state) -> {
                if (state == ConnectionState.LOST) {
                    lost.add(id);
                }
            });
            agents.add(client);
            register(client, id);
        }
        await().atMost(Replicas.WAIT).until(() -> replica.clusterState().registrations()
                .getOrDefault("web", java.util.Collections.emptySortedMap()).size() == 3);

        zk.server().stop();
        try {
            // The agents' clients give their sessions up once ZooKeeper stayed away for a session timeout.
            await().atMost(OUTAGE_WAIT).until(() -> lost.size() == IDS.size());
            // These agents stay away until their old registrations are gone. Left running, each
            // would re-register the moment ZooKeeper returns, racing the server's expiry of its old
            // session and the replica's own reconnection: depending on who wins, the replica sees
            // the registrations vanish, or only their data change, or nothing at all. Agents that
            // come back later are what makes the vanishing observable on every run.
            agents.forEach(CuratorFramework::close);
        } finally {
            zk.server().restart();
        }

        await().atMost(OUTAGE_WAIT).until(() -> events(replica).stream().anyMatch(e -> e.getKind().equals("self_preservation_started")));
        List<String> removedOutright = new ArrayList<>();
        for (Event event : events(replica)) {
            if (event.getKind().equals("suspect_removed")) {
                removedOutright.add(event.getId());
            }
        }
        assertThat(removedOutright).isEmpty();
        // The agents re-register with new sessions: everything is ACTIVE again and self-preservation ends.
        for (String id : IDS) {
            replicas.add(register(zk.newClient(Replicas.SESSION), id));
        }
        replicas.awaitLeader(0);
        TestNode node = replicas.node(replica, "n1");
        await().atMost(OUTAGE_WAIT).until(() -> node.latest().map(s -> s.getServicesCount() == 1
                && s.getServices(0).getEndpointsCount() == 3
                && s.getServices(0).getEndpointsList().stream().allMatch(e -> e.getState() == EndpointState.ACTIVE)).orElse(false));
        await().atMost(OUTAGE_WAIT).until(() -> events(replica).stream().anyMatch(e -> e.getKind().equals("self_preservation_ended")));
    }
}
