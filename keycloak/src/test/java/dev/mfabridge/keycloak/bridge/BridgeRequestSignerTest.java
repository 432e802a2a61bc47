package dev.mfabridge.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fixed vector of docs/bridge-protocol.md ("Test vector"; Node pins it in
 * test/support/bridgeTestVector.ts) and a second one computed independently with Python's hmac.
 */
class BridgeRequestSignerTest {

    static final String SECRET = "mbs_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    static final String TIMESTAMP = "1767225600000";
    static final String NONCE = "nonce-0123456789abcdef";
    static final byte[] VERIFY_BODY = "{\"factor\":\"totp\",\"code\":\"123456\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void derivesTheSigningKeyFromTheSecretAsTheProtocolSays() {
        byte[] key = BridgeRequestSigner.hmacSha256(SECRET.getBytes(StandardCharsets.UTF_8),
                "mfa-bridge/bridge-request/v1".getBytes(StandardCharsets.UTF_8));
        assertEquals("22f709e05d0daa271144cd5d9d1b64eebccdade3077fd40c53cae988b8561682", HexFormat.of().formatHex(key));
    }

    @Test
    void signsAPostWithItsBodyHashToTheFixedVector() {
        assertEquals("POST\n/bridge/v1/attempts/att_123/verify\n1767225600000\nnonce-0123456789abcdef\n"
                + "a57ba0093069c7bf2902ba51a3217e644564b11e565f16d361f960f43ca809d3",
                BridgeRequestSigner.canonical("POST", "/bridge/v1/attempts/att_123/verify", TIMESTAMP, NONCE, VERIFY_BODY));
        assertEquals("v1=a303cc61e3848dc4d7cfb7a566ff7f4e27abf38f88a01b2a52e4df9f79678439",
                new BridgeRequestSigner(SECRET).signature("POST", "/bridge/v1/attempts/att_123/verify", TIMESTAMP, NONCE,
                        VERIFY_BODY));
    }

    @Test
    void matchesTheNodeBridgesOwnVector() {
        BridgeRequestSigner signer = new BridgeRequestSigner(SECRET);
        assertEquals("v1=17e9008de78c8d63f570506dc9dd57e3d2839f6bf8593899f85d8fd5f029ded8",
                signer.signature("POST", "/bridge/v1/attempts/abc/verify", TIMESTAMP, "n0nce-0123456789abcdef",
                        VERIFY_BODY));
        assertEquals("v1=5920132273c717d9c154e716506f788bc5a1995b03ae69ef7fd58f9837642ff8",
                signer.signature("GET", "/bridge/v1/attempts/abc", TIMESTAMP, "n0nce-0123456789abcdef", new byte[0]));
    }

    @Test
    void signsAnEmptyBodyWithTheHashOfNothing() {
        assertEquals("v1=23a8df48f6024aea5a49185b412c94601f2e78ddc62527e3b634bfd249c17660",
                new BridgeRequestSigner(SECRET).signature("GET", "/bridge/v1/attempts/att_123", TIMESTAMP, NONCE,
                        new byte[0]));
    }

    @Test
    void aSignatureChangesWithEachSignedPart() {
        BridgeRequestSigner signer = new BridgeRequestSigner(SECRET);
        String base = signer.signature("POST", "/bridge/v1/attempts/a/verify", TIMESTAMP, NONCE, VERIFY_BODY);
        assertNotEquals(base, signer.signature("PUT", "/bridge/v1/attempts/a/verify", TIMESTAMP, NONCE, VERIFY_BODY));
        assertNotEquals(base, signer.signature("POST", "/bridge/v1/attempts/b/verify", TIMESTAMP, NONCE, VERIFY_BODY));
        assertNotEquals(base, signer.signature("POST", "/bridge/v1/attempts/a/verify", "1767225600001", NONCE, VERIFY_BODY));
        assertNotEquals(base, signer.signature("POST", "/bridge/v1/attempts/a/verify", TIMESTAMP, NONCE + "x", VERIFY_BODY));
        assertNotEquals(base, signer.signature("POST", "/bridge/v1/attempts/a/verify", TIMESTAMP, NONCE, new byte[0]));
        assertNotEquals(base, new BridgeRequestSigner(SECRET + "x")
                .signature("POST", "/bridge/v1/attempts/a/verify", TIMESTAMP, NONCE, VERIFY_BODY));
    }

    @Test
    void noncesAreFreshAndInTheProtocolsAlphabet() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String nonce = BridgeRequestSigner.newNonce();
            assertTrue(nonce.matches("[A-Za-z0-9_-]{16,64}"), nonce);
            assertTrue(seen.add(nonce), "nonce repeated: " + nonce);
        }
    }
}
