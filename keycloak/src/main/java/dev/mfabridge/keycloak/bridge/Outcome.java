package dev.mfabridge.keycloak.bridge;

/** Where an attempt stands, as the bridge says (protocol: {@code outcome}). */
public enum Outcome {
    /** The site's settings ask no second factor of this user at this door. */
    NOT_REQUIRED("not_required"),
    /** Passed; still to be consumed before the login completes. */
    PASSED("passed"),
    /** Waiting for the user's input on one of {@link AttemptState#factors()}. */
    PENDING("pending"),
    /** The user must enrol (TOTP set-up) before signing in. */
    SETUP_REQUIRED("setup_required"),
    /** Too many failures: refused until {@link AttemptState#lockedUntil()}. */
    LOCKED("locked"),
    /** A factor decided this login must fail; refused like {@link #LOCKED}. */
    FAILED("failed");

    private final String wire;

    Outcome(String wire) {
        this.wire = wire;
    }

    /** An outcome this client does not know is a protocol break, never a pass. */
    static Outcome fromWire(String value) throws BridgeException {
        for (Outcome outcome : values()) {
            if (outcome.wire.equals(value)) {
                return outcome;
            }
        }
        throw BridgeException.unavailable("The bridge answered an unknown outcome: " + value, null);
    }
}
