package io.ballast.launcher.demo;

import java.util.List;

/**
 * Where each demo process listens. The defaults are the documented, fixed demo addresses.
 *
 * @param host loopback address every demo process binds to
 * @param zkPort ZooKeeper client port
 * @param controlPlanePorts one gRPC port per control-plane replica
 * @param nodePorts one proxy port per node
 * @param nodeAdminPorts one admin HTTP port per node
 * @param backendPorts one port per demo backend (each gets an agent)
 */
record DemoLayout(String host, int zkPort, List<Integer> controlPlanePorts, List<Integer> nodePorts,
                  List<Integer> nodeAdminPorts, List<Integer> backendPorts) {

    static final String SERVICE = "web";

    static DemoLayout defaults() {
        return new DemoLayout("127.0.0.1", 2181, List.of(7001, 7002), List.of(8080, 8081), List.of(9901, 9902),
                List.of(8001, 8002, 8003));
    }

    String zk() {
        return host + ":" + zkPort;
    }

    List<Integer> allPorts() {
        List<Integer> all = new java.util.ArrayList<>();
        all.add(zkPort);
        all.addAll(controlPlanePorts);
        all.addAll(nodePorts);
        all.addAll(nodeAdminPorts);
        all.addAll(backendPorts);
        return all;
    }
}
