package dev.mfabridge.keycloak.bridge;

/** The Keycloak user the bridge provisions on first sight, keyed by (platform, userId). Email may be null. */
public record PlatformUser(String userId, String username, String email) {
}
