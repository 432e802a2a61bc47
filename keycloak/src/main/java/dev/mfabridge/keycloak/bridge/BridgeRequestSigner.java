package dev.mfabridge.keycloak.bridge;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a bridge request exactly as docs/bridge-protocol.md ("Signing a request") says:
 * signingKey = HMAC-SHA256(key=secret, data="mfa-bridge/bridge-request/v1");
 * canonical = METHOD \n PATH(as sent, with query) \n TIMESTAMP \n NONCE \n hex(SHA-256(body));
 * header {@code X-Bridge-Signature: v1=<hex HMAC-SHA256(key=signingKey, data=canonical)>}.
 */
public final class BridgeRequestSigner {

    static final String KEY_DERIVATION_LABEL = "mfa-bridge/bridge-request/v1";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] signingKey;

    public BridgeRequestSigner(String clientSecret) {
        // Only the derived key is kept: it is what the server holds too, and the secret itself never leaves this call.
        this.signingKey = hmacSha256(clientSecret.getBytes(StandardCharsets.UTF_8),
                KEY_DERIVATION_LABEL.getBytes(StandardCharsets.UTF_8));
    }

    public static String canonical(String method, String pathWithQuery, String timestamp, String nonce, byte[] body) {
        return method + "\n" + pathWithQuery + "\n" + timestamp + "\n" + nonce + "\n" + sha256Hex(body);
    }

    /** The header value, {@code v1=<lowercase hex>}. */
    public String signature(String method, String pathWithQuery, String timestamp, String nonce, byte[] body) {
        byte[] mac = hmacSha256(signingKey,
                canonical(method, pathWithQuery, timestamp, nonce, body).getBytes(StandardCharsets.UTF_8));
        return "v1=" + HexFormat.of().formatHex(mac);
    }

    /** 32 chars of [A-Za-z0-9_-] from 24 random bytes: inside the protocol's 16..64 and never guessable. */
    public static String newNonce() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static byte[] hmacSha256(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
