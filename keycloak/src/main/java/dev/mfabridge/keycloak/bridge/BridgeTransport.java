package dev.mfabridge.keycloak.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One signed JSON call to /bridge/v1 within the configured time budget, and the mapping of every failure to a
 * {@link BridgeException}. Nothing here decides about a login; it only never returns a half answer.
 */
final class BridgeTransport {

    static final String API_PREFIX = "/bridge/v1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BridgeSettings settings;
    private final BridgeRequestSigner signer;
    private final HttpClient http;

    BridgeTransport(BridgeSettings settings, HttpClient http) {
        this.settings = settings;
        this.signer = new BridgeRequestSigner(settings.clientSecret());
        this.http = http;
    }

    /**
     * A body of null sends no body (GET). Returns the parsed JSON of a 2xx answer.
     * <p>
     * The whole exchange, a retry included, stays inside the configured budget: the request timeout alone does not
     * bound a slow body or a stuck connect on every JDK. One retry when a pooled keep-alive connection turns out closed
     * by the server before any answer ("received no bytes"): the bridge never handled that request, so sending it again,
     * freshly signed, is safe; without it a user could be refused after every idle period. A consume that was in fact
     * spent answers false on the retry, which refuses the login: still closed.
     */
    JsonNode call(String method, String apiPath, JsonNode body) throws BridgeException {
        byte[] bytes = body == null ? new byte[0] : writeBytes(body);
        URI uri = resolve(apiPath);
        String what = method + " " + apiPath;
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        HttpResponse<byte[]> response;
        try {
            response = sendWithin(signed(method, uri, bytes), deadline, what);
        } catch (BridgeException e) {
            if (!closedBeforeAnswer(e) || System.nanoTime() >= deadline) {
                throw e;
            }
            response = sendWithin(signed(method, uri, bytes), deadline, what);
        }
        return interpret(response, what);
    }

    private static boolean closedBeforeAnswer(BridgeException e) {
        Throwable cause = e.getCause();
        return cause instanceof IOException && !(cause instanceof ConnectException)
                && !(cause instanceof HttpTimeoutException);
    }

    /** A fresh timestamp and nonce each time: a retry is a new request to the bridge's replay check. */
    private HttpRequest signed(String method, URI uri, byte[] bytes) {
        String pathAsSent = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String timestamp = Long.toString(System.currentTimeMillis());
        String nonce = BridgeRequestSigner.newNonce();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(settings.timeout())
                .header("Accept", "application/json")
                .header("X-Bridge-Client", settings.clientId())
                .header("X-Bridge-Timestamp", timestamp)
                .header("X-Bridge-Nonce", nonce)
                .header("X-Bridge-Signature", signer.signature(method, pathAsSent, timestamp, nonce, bytes));
        if (bytes.length == 0 && "GET".equals(method)) {
            return request.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return request.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
    }

    private URI resolve(String apiPath) {
        String base = settings.siteUrl().toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + API_PREFIX + apiPath);
    }

    private HttpResponse<byte[]> sendWithin(HttpRequest request, long deadline, String what) throws BridgeException {
        CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        try {
            return pending.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw BridgeException.unavailable(what + ": no answer within " + settings.timeout().toMillis() + " ms", e);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw BridgeException.unavailable(what + ": interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw BridgeException.unavailable(what + ": " + cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")"), cause);
        }
    }

    private static JsonNode interpret(HttpResponse<byte[]> response, String what) throws BridgeException {
        int status = response.statusCode();
        JsonNode json = parseOrNull(response.body());
        if (status >= 200 && status < 300) {
            if (json == null || !json.isObject()) {
                throw BridgeException.unavailable(what + ": HTTP " + status + " without a JSON object", null);
            }
            return json;
        }
        String serverMessage = json != null && json.hasNonNull("error") && json.get("error").isTextual()
                ? json.get("error").asText() : "(no message)";
        String serverCode = json != null && json.hasNonNull("code") ? json.get("code").asText() : null;
        String message = what + ": HTTP " + status + (serverCode == null ? "" : " " + serverCode) + ": " + serverMessage;
        BridgeException.Reason reason = "INVALID_CODE".equals(serverCode) ? BridgeException.Reason.INVALID_CODE
                : switch (status) {
            case 400, 422 -> BridgeException.Reason.INVALID_INPUT;
            case 401 -> BridgeException.Reason.UNAUTHENTICATED;
            case 403 -> BridgeException.Reason.REFUSED;
            case 404 -> BridgeException.Reason.ATTEMPT_NOT_FOUND;
            case 410 -> BridgeException.Reason.ATTEMPT_EXPIRED;
            case 429 -> BridgeException.Reason.RATE_LIMITED;
            // 5xx, redirects and anything else: the bridge cannot answer now. Fail closed.
            default -> BridgeException.Reason.UNAVAILABLE;
                };
        Long retryAfter = response.headers().firstValue("Retry-After").flatMap(BridgeTransport::seconds).orElse(null);
        throw new BridgeException(reason, message, status, serverCode, retryAfter, null);
    }

    private static Optional<Long> seconds(String header) {
        try {
            return Optional.of(Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static JsonNode parseOrNull(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] writeBytes(JsonNode body) {
        try {
            return JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("a JsonNode always serialises", e);
        }
    }

    static ObjectMapper json() {
        return JSON;
    }
}
