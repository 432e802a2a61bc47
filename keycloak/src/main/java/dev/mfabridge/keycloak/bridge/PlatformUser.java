package dev.mfabridge.keycloak.bridge;

/**
 * The Keycloak user the bridge provisions on first sight, keyed by (platform, userId). Email may be null.
 * {@code emailVerified} is Keycloak's own flag: a bridge client whose users are the site's links this user to the
 * site's user of the same username only when it is true (docs/bridge-protocol.md, "Users").
 */
public record PlatformUser(String userId, String username, String email, boolean emailVerified) {
}
