package dev.mfabridge.keycloak.bridge;

/** The answer to a TOTP confirm; {@code outcome} is the waiting attempt's when one was given, else null. */
public record SetupConfirmation(boolean confirmed, Outcome outcome) {
}
