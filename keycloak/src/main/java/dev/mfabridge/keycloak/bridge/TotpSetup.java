package dev.mfabridge.keycloak.bridge;

import java.time.Instant;

/** A TOTP enrolment the bridge began; {@code qrSvg} is the bridge's QR of {@code otpauthUri}. */
public record TotpSetup(String setupId, String secret, String otpauthUri, String qrSvg, Instant expiresAt) {

    /** The secret never goes to logs. */
    @Override
    public String toString() {
        return "TotpSetup[setupId=" + setupId + ", expiresAt=" + expiresAt + "]";
    }
}
