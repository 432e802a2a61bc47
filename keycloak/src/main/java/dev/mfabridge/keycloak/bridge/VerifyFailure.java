package dev.mfabridge.keycloak.bridge;

/**
 * Why a verify did not pass (protocol: {@code error} beside outcome pending). {@code reason} is the factor's own word for
 * it when it gave one ({@code replayed}: the code was right but used already), else null.
 */
public record VerifyFailure(String code, String message, Integer triesLeft, String reason) {

    /** A right code typed a second time: the user waits for the next one rather than doubting the app. */
    public boolean replayed() {
        return "replayed".equals(reason);
    }
}
