package dev.mfabridge.keycloak.bridge;

/** Which login door an attempt is for; the site's settings per door apply (e.g. "Enable MFA for the mobile app"). */
public enum Door {
    /** Keycloak's browser flow. */
    WEB("web"),
    /** Keycloak's direct grant (token endpoint, grant_type=password). */
    TOKEN("token");

    final String wire;

    Door(String wire) {
        this.wire = wire;
    }
}
