package io.ballast.controlplane.health;

import io.ballast.common.model.BackendRegistration;

/**
 * An endpoint whose registration vanished while its service is in self-preservation: it stays in
 * the snapshot as SUSPECT, built from its last registration.
 *
 * @param registration the last registration seen
 * @param weight the reduced weight it is served at
 * @param sinceMillis when it became SUSPECT
 */
public record Suspect(BackendRegistration registration, int weight, long sinceMillis) {}
