package io.ballast.common.model;

/**
 * The payload of {@code control/leader}: written by the leader when it takes office
 * (after raising the epoch) and updated with the version of each snapshot it publishes.
 *
 * @param id replica id of the leader
 * @param address gRPC host:port of the leader
 * @param epoch the leader's epoch
 * @param version version of the leader's latest snapshot, 0 before the first
 */
public record LeaderInfo(String id, String address, long epoch, long version) {}
