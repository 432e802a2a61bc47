package dev.mfabridge.keycloak.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mfabridge.keycloak.bridge.BridgeStub.Answer;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a local bridge that checks signatures itself; each test starts its own stub. */
class BridgeClientTest {

    static final String CLIENT_ID = "keycloak-main";
    static final String SECRET = "mbs_x1y2z3abcdefghijklmnopqrstuvwxyzABCDEFGHIJK";
    static final PlatformUser USER = new PlatformUser("f1c2-uuid", "jdoe", "jdoe@example.com", true);
    static final String PENDING = "{\"attempt\":\"att 1/x\",\"outcome\":\"pending\",\"factors\":["
            + "{\"id\":\"totp\",\"name\":\"Authenticator app\",\"input\":\"code\",\"sendsChallenge\":false,"
            + "\"locked\":false,\"triesLeft\":4},"
            + "{\"id\":\"email\",\"name\":\"Email code\",\"input\":\"code\",\"sendsChallenge\":true,\"locked\":true,"
            + "\"triesLeft\":null}],\"lockedUntil\":null}";

    BridgeStub stub;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        stub = new BridgeStub();
        stub.addClient(CLIENT_ID, SECRET);
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    BridgeClient client(String secret, Duration timeout) {
        return new BridgeClient(new BridgeSettings(stub.siteUrl(), CLIENT_ID, secret, timeout), http);
    }

    BridgeClient client() {
        return client(SECRET, Duration.ofSeconds(3));
    }

    @Test
    void opensAnAttemptWithASignedRequestAndReadsTheFactorsOnOffer() throws Exception {
        stub.answer(request -> Answer.ok(PENDING));
        AttemptState state = client().openAttempt(USER, Door.TOKEN, "10.0.0.7", "curl/8");

        assertEquals(Outcome.PENDING, state.outcome());
        assertEquals("att 1/x", state.attempt());
        assertEquals(new Factor("totp", "Authenticator app", "code", false, false, 4), state.factors().get(0));
        assertTrue(state.factors().get(1).sendsChallenge());
        assertFalse(state.factors().get(1).takesTypedCode(), "a locked factor takes no code");
        assertEquals("totp", state.firstTypedFactor().orElseThrow().id());

        BridgeStub.Received sent = stub.received.get(0);
        assertEquals("POST", sent.method());
        assertEquals("/bridge/v1/attempts", sent.pathAsSent());
        assertEquals(CLIENT_ID, sent.headers().get("x-bridge-client"));
        assertTrue(sent.headers().get("x-bridge-signature").matches("v1=[0-9a-f]{64}"));
        assertTrue(Math.abs(System.currentTimeMillis() - Long.parseLong(sent.headers().get("x-bridge-timestamp"))) < 5000,
                "the timestamp is epoch milliseconds now");
        assertEquals("application/json", sent.headers().get("content-type"));
        assertEquals("{\"platform\":\"keycloak\",\"userId\":\"f1c2-uuid\",\"username\":\"jdoe\",\"email\":"
                + "\"jdoe@example.com\",\"emailVerified\":true,\"door\":\"token\",\"ip\":\"10.0.0.7\",\"userAgent\":\"curl/8\"}",
                sent.body());
    }

    @Test
    void saysWhetherKeycloakVerifiedTheEmailWheneverItNamesTheUser() throws Exception {
        PlatformUser unverified = new PlatformUser("u2", "mallory", "alice@example.com", false);
        stub.answer(request -> Answer.ok(PENDING));
        client().openAttempt(unverified, Door.WEB, null, null);
        stub.answer(request -> Answer.ok("{\"setupId\":\"s1\",\"secret\":\"JBSWY3DPEHPK3PXP\",\"otpauthUri\":"
                + "\"otpauth://totp/x\",\"qrSvg\":\"<svg/>\",\"expiresAt\":null}"));
        client().beginTotpSetup(unverified, null);

        // Sent even when false: the bridge links a Keycloak user to the site's user of that name only when true.
        for (BridgeStub.Received sent : stub.received) {
            assertTrue(sent.body().contains("\"email\":\"alice@example.com\",\"emailVerified\":false"), sent.body());
        }
        assertEquals(2, stub.received.size());
    }

    @Test
    void signsTheEncodedPathAsSentForAnOpaqueAttemptHandle() throws Exception {
        stub.answer(request -> Answer.ok(PENDING));
        AttemptState state = client().verify("att 1/x", "totp", "123456");

        assertEquals(Outcome.PENDING, state.outcome());
        assertEquals("/bridge/v1/attempts/att%201%2Fx/verify", stub.received.get(0).pathAsSent());
        assertEquals("{\"factor\":\"totp\",\"code\":\"123456\"}", stub.received.get(0).body());
    }

    @Test
    void aGetIsSignedOverAnEmptyBody() throws Exception {
        stub.answer(request -> Answer.ok(PENDING.replace("pending", "passed")));
        assertEquals(Outcome.PASSED, client().readAttempt("a1").outcome());
        assertEquals("GET", stub.received.get(0).method());
        assertEquals("", stub.received.get(0).body());
    }

    @Test
    void aWrongSecretIsRefusedByTheBridgeAndReportedAsUnauthenticated() {
        stub.answer(request -> Answer.ok(PENDING));
        BridgeException e = assertThrows(BridgeException.class,
                () -> client(SECRET + "x", Duration.ofSeconds(3)).openAttempt(USER, Door.WEB, null, null));
        assertEquals(BridgeException.Reason.UNAUTHENTICATED, e.reason());
        assertEquals("BRIDGE_UNAUTHENTICATED", e.serverCode());
        assertFalse(e.getMessage().contains(SECRET), "no secret in messages");
    }

    @Test
    void everyCallCarriesAFreshNonceAndAReplayedRequestIsRefused() throws Exception {
        stub.answer(request -> Answer.ok(PENDING));
        BridgeClient client = client();
        client.readAttempt("a1");
        client.readAttempt("a1");
        assertNotEquals(stub.received.get(0).headers().get("x-bridge-nonce"),
                stub.received.get(1).headers().get("x-bridge-nonce"));
        assertEquals(401, stub.replay(stub.received.get(0)), "the stub (like the server) refuses a seen nonce");
    }

    @Test
    void aWrongCodeComesBackPendingWithTriesLeft() throws Exception {
        stub.answer(request -> Answer.ok(PENDING.replace("\"lockedUntil\":null",
                "\"lockedUntil\":null,\"error\":{\"code\":\"INVALID_CODE\",\"message\":\"Wrong code\",\"triesLeft\":3,\"reason\":\"replayed\"}")));
        AttemptState state = client().verify("a1", "totp", "000000");
        assertEquals(Outcome.PENDING, state.outcome());
        assertEquals(new VerifyFailure("INVALID_CODE", "Wrong code", 3, "replayed"), state.failure());
        assertTrue(state.failure().replayed());
    }

    @Test
    void aLockedAttemptSaysUntilWhen() throws Exception {
        stub.answer(request -> Answer.ok("{\"attempt\":\"a1\",\"outcome\":\"locked\",\"factors\":[],"
                + "\"lockedUntil\":1767225600000}"));
        AttemptState state = client().verify("a1", "totp", "000000");
        assertEquals(Outcome.LOCKED, state.outcome());
        assertEquals(Instant.ofEpochMilli(1767225600000L), state.lockedUntil());
    }

    @Test
    void notRequiredComesWithoutAnAttemptAndAnyOtherOutcomeMustNameOne() throws Exception {
        stub.answer(request -> Answer.ok("{\"attempt\":null,\"outcome\":\"not_required\",\"factors\":[],"
                + "\"lockedUntil\":null}"));
        AttemptState state = client().openAttempt(USER, Door.TOKEN, null, null);
        assertEquals(Outcome.NOT_REQUIRED, state.outcome());
        assertNull(state.attempt());

        stub.answer(request -> Answer.ok("{\"attempt\":null,\"outcome\":\"passed\",\"factors\":[]}"));
        assertEquals(BridgeException.Reason.UNAVAILABLE,
                assertThrows(BridgeException.class, () -> client().openAttempt(USER, Door.TOKEN, null, null)).reason());
    }

    @Test
    void aFailedOutcomeIsReadAsFailed() throws Exception {
        stub.answer(request -> Answer.ok("{\"attempt\":\"a1\",\"outcome\":\"failed\",\"factors\":[]}"));
        assertEquals(Outcome.FAILED, client().readAttempt("a1").outcome());
    }

    @Test
    void aWrongCodeAtSetUpConfirmIsAnInvalidCodeNotAnAuthenticationFailure() {
        stub.answer(request -> new Answer(401, "{\"error\":\"That code is not right\",\"code\":\"INVALID_CODE\"}",
                Map.of(), 0));
        BridgeException e = assertThrows(BridgeException.class,
                () -> client().confirmTotpSetup(USER, "s1", "000000", "a1"));
        assertEquals(BridgeException.Reason.INVALID_CODE, e.reason());
    }

    @Test
    void consumeReportsWhetherThisCallSpentThePass() throws Exception {
        stub.answer(request -> Answer.ok("{\"consumed\":true}"));
        assertTrue(client().consume("a1"));
        stub.answer(request -> Answer.ok("{\"consumed\":false}"));
        assertFalse(client().consume("a1"));
        assertEquals("/bridge/v1/attempts/a1/consume", stub.received.get(1).pathAsSent());
        stub.answer(request -> Answer.ok("{}"));
        assertEquals(BridgeException.Reason.UNAVAILABLE,
                assertThrows(BridgeException.class, () -> client().consume("a1")).reason(),
                "an answer without consumed is never read as true");
    }

    @Test
    void beginsAndConfirmsATotpSetUpForTheWaitingAttempt() throws Exception {
        stub.answer(request -> Answer.ok("{\"setupId\":\"s1\",\"secret\":\"JBSWY3DPEHPK3PXP\",\"otpauthUri\":"
                + "\"otpauth://totp/x\",\"qrSvg\":\"<svg/>\",\"expiresAt\":1767225600000}"));
        TotpSetup setup = client().beginTotpSetup(USER, "a1");
        assertEquals("s1", setup.setupId());
        assertEquals("<svg/>", setup.qrSvg());
        assertFalse(setup.toString().contains("JBSWY3DPEHPK3PXP"), "the TOTP secret stays out of logs");
        assertEquals("/bridge/v1/users/setup/totp", stub.received.get(0).pathAsSent());
        assertTrue(stub.received.get(0).body().contains("\"attempt\":\"a1\""));

        stub.answer(request -> Answer.ok("{\"confirmed\":true,\"outcome\":\"passed\"}"));
        assertEquals(new SetupConfirmation(true, Outcome.PASSED), client().confirmTotpSetup(USER, "s1", "123456", "a1"));
        assertEquals("{\"platform\":\"keycloak\",\"userId\":\"f1c2-uuid\",\"setupId\":\"s1\",\"code\":\"123456\","
                + "\"attempt\":\"a1\"}", stub.received.get(1).body());
    }

    @Test
    void aSlowBridgeFailsClosedWithinTheTimeout() {
        stub.answer(request -> new Answer(200, PENDING, Map.of(), 3000));
        long started = System.nanoTime();
        BridgeException e = assertThrows(BridgeException.class,
                () -> client(SECRET, Duration.ofMillis(300)).openAttempt(USER, Door.WEB, null, null));
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals(BridgeException.Reason.UNAVAILABLE, e.reason());
        assertTrue(tookMs < 2000, "gave up after " + tookMs + " ms, not when the bridge answered");
    }

    @Test
    void aConnectionClosedBeforeAnyAnswerIsRetriedOnceFreshlySigned() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        stub.answer(request -> calls.incrementAndGet() == 1 ? new Answer(BridgeStub.DROP, null, Map.of(), 0)
                : Answer.ok(PENDING));
        assertEquals(Outcome.PENDING, client().verify("a1", "totp", "123456").outcome());
        assertEquals(2, stub.received.size());
        assertNotEquals(stub.received.get(0).headers().get("x-bridge-nonce"),
                stub.received.get(1).headers().get("x-bridge-nonce"), "the retry is not a replay");

        stub.answer(request -> new Answer(BridgeStub.DROP, null, Map.of(), 0));
        assertEquals(BridgeException.Reason.UNAVAILABLE,
                assertThrows(BridgeException.class, () -> client().verify("a1", "totp", "123456")).reason());
        assertEquals(4, stub.received.size(), "one retry, not more");
    }

    @Test
    void anUnreachableBridgeFailsClosed() {
        int port = stub.siteUrl().getPort();
        stub.close();
        BridgeClient client = new BridgeClient(new BridgeSettings(java.net.URI.create("http://127.0.0.1:" + port),
                CLIENT_ID, SECRET, Duration.ofSeconds(2)), http);
        BridgeException e = assertThrows(BridgeException.class, () -> client.openAttempt(USER, Door.WEB, null, null));
        assertEquals(BridgeException.Reason.UNAVAILABLE, e.reason());
        assertEquals(0, e.httpStatus());
    }

    @Test
    void mapsTheBridgesErrorStatusesToReasons() {
        assertReason(400, "INVALID_INPUT", Map.of(), BridgeException.Reason.INVALID_INPUT);
        assertReason(404, "NOT_FOUND", Map.of(), BridgeException.Reason.ATTEMPT_NOT_FOUND);
        assertReason(410, "ATTEMPT_EXPIRED", Map.of(), BridgeException.Reason.ATTEMPT_EXPIRED);
        assertReason(401, "BRIDGE_STALE", Map.of(), BridgeException.Reason.UNAUTHENTICATED);
        assertReason(403, "FORBIDDEN", Map.of(), BridgeException.Reason.REFUSED);
        assertReason(500, null, Map.of(), BridgeException.Reason.UNAVAILABLE);
        assertReason(502, null, Map.of(), BridgeException.Reason.UNAVAILABLE);
        assertReason(503, "DATABASE_UNAVAILABLE", Map.of(), BridgeException.Reason.UNAVAILABLE);
        assertReason(302, null, Map.of("Location", "http://127.0.0.1:1/elsewhere"), BridgeException.Reason.UNAVAILABLE);
        BridgeException limited = assertReason(429, "RATE_LIMITED", Map.of("Retry-After", "30"),
                BridgeException.Reason.RATE_LIMITED);
        assertEquals(30L, limited.retryAfterSeconds());
    }

    BridgeException assertReason(int status, String code, Map<String, String> headers, BridgeException.Reason reason) {
        String json = code == null ? "" : "{\"error\":\"what to do\",\"code\":\"" + code + "\"}";
        stub.answer(request -> new Answer(status, json, headers, 0));
        BridgeException e = assertThrows(BridgeException.class, () -> client().readAttempt("a1"), "HTTP " + status);
        assertEquals(reason, e.reason(), "HTTP " + status);
        assertEquals(status, e.httpStatus());
        assertEquals(code, e.serverCode());
        return e;
    }

    @Test
    void anAnswerThatIsNotTheProtocolsFailsClosed() {
        for (String json : new String[] {"not json", "[]", "{\"attempt\":\"a1\"}",
                "{\"attempt\":\"a1\",\"outcome\":\"maybe\",\"factors\":[]}",
                "{\"attempt\":\"a1\",\"outcome\":\"passed\",\"factors\":{}}"}) {
            stub.answer(request -> Answer.ok(json));
            BridgeException e = assertThrows(BridgeException.class, () -> client().readAttempt("a1"), json);
            assertEquals(BridgeException.Reason.UNAVAILABLE, e.reason(), json);
        }
    }

    @Test
    void settingsRefuseABlankSecretAndKeepItOutOfToString() {
        assertThrows(IllegalArgumentException.class,
                () -> new BridgeSettings(stub.siteUrl(), CLIENT_ID, " ", Duration.ofSeconds(1)));
        assertFalse(new BridgeSettings(stub.siteUrl(), CLIENT_ID, SECRET, Duration.ofSeconds(1)).toString()
                .contains(SECRET));
        assertNull(new AttemptState("a", Outcome.PENDING, java.util.List.of(), null, null).lockedUntil());
    }
}
