package dev.mfabridge.keycloak.bridge;

/** Why a verify did not pass (protocol: {@code error} beside outcome pending). */
public record VerifyFailure(String code, String message, Integer triesLeft) {
}
