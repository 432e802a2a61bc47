package dev.mfabridge.keycloak.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;

/**
 * The calls of /bridge/v1 (see docs/bridge-protocol.md, "Calls") for the platform "keycloak".
 * Every method either returns the bridge's complete answer or throws {@link BridgeException}; callers fail closed on
 * the exception.
 */
public final class BridgeClient {

    public static final String PLATFORM = "keycloak";

    private final BridgeTransport transport;

    /** {@code http} is shared (one per Keycloak node): a client per login would pile up selector threads. */
    public BridgeClient(BridgeSettings settings, HttpClient http) {
        this.transport = new BridgeTransport(settings, http);
    }

    public AttemptState openAttempt(PlatformUser user, Door door, String ip, String userAgent) throws BridgeException {
        ObjectNode body = userBody(user);
        body.put("door", door.wire);
        putIfPresent(body, "ip", ip);
        putIfPresent(body, "userAgent", userAgent);
        return BridgeAnswers.attempt(transport.call("POST", "/attempts", body));
    }

    public AttemptState readAttempt(String attempt) throws BridgeException {
        return BridgeAnswers.attempt(transport.call("GET", attemptPath(attempt), null));
    }

    /** Asks a factor that sends one (email, push) to send its challenge; returns the bridge's message for the user. */
    public String sendChallenge(String attempt, String factor) throws BridgeException {
        ObjectNode body = object();
        body.put("factor", factor);
        JsonNode answer = transport.call("POST", attemptPath(attempt) + "/challenge", body);
        return answer.hasNonNull("message") ? answer.get("message").asText() : "";
    }

    public AttemptState verify(String attempt, String factor, String code) throws BridgeException {
        ObjectNode body = object();
        body.put("factor", factor);
        body.put("code", code);
        return BridgeAnswers.attempt(transport.call("POST", attemptPath(attempt) + "/verify", body));
    }

    /** Spends a passed attempt. False means it was already spent (a replay): the login must be refused. */
    public boolean consume(String attempt) throws BridgeException {
        JsonNode answer = transport.call("POST", attemptPath(attempt) + "/consume", object());
        return BridgeAnswers.requireBoolean(answer, "consumed");
    }

    public TotpSetup beginTotpSetup(PlatformUser user, String attempt) throws BridgeException {
        ObjectNode body = userBody(user);
        putIfPresent(body, "attempt", attempt);
        return BridgeAnswers.totpSetup(transport.call("POST", "/users/setup/totp", body));
    }

    public SetupConfirmation confirmTotpSetup(PlatformUser user, String setupId, String code, String attempt)
            throws BridgeException {
        ObjectNode body = object();
        body.put("platform", PLATFORM);
        body.put("userId", user.userId());
        body.put("setupId", setupId);
        body.put("code", code);
        putIfPresent(body, "attempt", attempt);
        return BridgeAnswers.setupConfirmation(transport.call("POST", "/users/setup/totp/confirm", body));
    }

    private static String attemptPath(String attempt) {
        // The handle is opaque: encode it so it stays one path segment whatever it holds (signed as sent).
        return "/attempts/" + URLEncoder.encode(attempt, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static ObjectNode userBody(PlatformUser user) {
        ObjectNode body = object();
        body.put("platform", PLATFORM);
        body.put("userId", user.userId());
        body.put("username", user.username());
        putIfPresent(body, "email", user.email());
        body.put("emailVerified", user.emailVerified());
        return body;
    }

    private static void putIfPresent(ObjectNode body, String field, String value) {
        if (value != null) {
            body.put(field, value);
        }
    }

    private static ObjectNode object() {
        return BridgeTransport.json().createObjectNode();
    }
}
