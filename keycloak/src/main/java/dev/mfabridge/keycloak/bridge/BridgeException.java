package dev.mfabridge.keycloak.bridge;

/**
 * Every way a bridge call can fail, as one {@link Reason} the authenticator switches on. None of them lets a login pass:
 * the caller shows a page or an OAuth error, it never falls back to "no MFA".
 */
public final class BridgeException extends Exception {

    public enum Reason {
        /** Unreachable, too slow, a 5xx (incl. 503 DATABASE_UNAVAILABLE) or an answer that is not the protocol's. */
        UNAVAILABLE,
        /** 401: wrong client id/secret, revoked client, clock skew (BRIDGE_STALE) or a replayed nonce. An admin must act. */
        UNAUTHENTICATED,
        /**
         * 403: the bridge refuses this user here (suspended on the site, or an email that differs from the site's user of
         * that name). Not an outage: the user is told to ask an administrator.
         */
        REFUSED,
        /** A wrong code where the bridge answers it with an error status (TOTP set-up confirm: 401 INVALID_CODE). */
        INVALID_CODE,
        /** 400 INVALID_INPUT or FACTOR_NOT_AVAILABLE: what we sent was refused (e.g. an empty code). */
        INVALID_INPUT,
        /** 404: the bridge does not know this attempt (any more). */
        ATTEMPT_NOT_FOUND,
        /** 410: the attempt outlived its window; the user must start the login again. */
        ATTEMPT_EXPIRED,
        /** 429: too many calls; {@link #retryAfterSeconds()} says when to try again, when the bridge said. */
        RATE_LIMITED
    }

    private final Reason reason;
    private final int httpStatus;
    private final String serverCode;
    private final Long retryAfterSeconds;

    public BridgeException(Reason reason, String message, int httpStatus, String serverCode, Long retryAfterSeconds,
            Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.httpStatus = httpStatus;
        this.serverCode = serverCode;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static BridgeException unavailable(String message, Throwable cause) {
        return new BridgeException(Reason.UNAVAILABLE, message, 0, null, null, cause);
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status the bridge answered with; 0 when no answer came. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The bridge's {@code code} (e.g. BRIDGE_STALE), or null. For logs: it tells an admin what to fix. */
    public String serverCode() {
        return serverCode;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
