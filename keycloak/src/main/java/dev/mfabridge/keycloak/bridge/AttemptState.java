package dev.mfabridge.keycloak.bridge;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An attempt as the bridge answers it from open, read and verify.
 *
 * @param attempt null when the outcome is {@link Outcome#NOT_REQUIRED} (the bridge opened none: nothing to consume)
 * @param lockedUntil null unless locked (and null while a lock lasts until an admin unlocks)
 * @param failure null unless the last verify was refused
 */
public record AttemptState(String attempt, Outcome outcome, List<Factor> factors, Instant lockedUntil,
        VerifyFailure failure) {

    public AttemptState {
        factors = List.copyOf(factors);
    }

    public Optional<Factor> factor(String id) {
        return factors.stream().filter(f -> f.id().equals(id)).findFirst();
    }

    /** The factor to ask for when the user named none: the first one that takes a typed code and is not locked. */
    public Optional<Factor> firstTypedFactor() {
        return factors.stream().filter(Factor::takesTypedCode).findFirst();
    }
}
