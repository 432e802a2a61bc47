package dev.mfabridge.keycloak.bridge;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the bridge is and how this Keycloak signs in to it: one client per platform, created with
 * {@code mfa-bridge bridge client add <clientId> --platform keycloak} (secret shown once).
 *
 * @param siteUrl the mfa-bridge site's origin (optionally with a path prefix); {@code /bridge/v1} is appended
 * @param timeout the whole budget of one call (connect, send, answer): past it the login fails closed
 */
public record BridgeSettings(URI siteUrl, String clientId, String clientSecret, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(5000);

    public BridgeSettings {
        Objects.requireNonNull(siteUrl, "siteUrl");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        Objects.requireNonNull(timeout, "timeout");
        if (clientId.isBlank() || clientSecret.isBlank()) {
            throw new IllegalArgumentException("clientId and clientSecret must be set");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }

    /** No secret in logs or exception messages, even by accident. */
    @Override
    public String toString() {
        return "BridgeSettings[siteUrl=" + siteUrl + ", clientId=" + clientId + ", timeout=" + timeout + "]";
    }
}
