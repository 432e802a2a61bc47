package dev.mfabridge.keycloak.bridge;

/**
 * One factor the bridge offers for an attempt, in the bridge's own words.
 *
 * @param input "code" (typed), "browser" (needs the bridge's own page, e.g. WebAuthn) or "approval" (push)
 * @param triesLeft null when the bridge does not count for this factor
 */
public record Factor(String id, String name, String input, boolean sendsChallenge, boolean locked, Integer triesLeft) {

    /** Keycloak's page can take a typed code only; other inputs are offered but not usable here. */
    public boolean takesTypedCode() {
        return "code".equals(input) && !locked;
    }
}
