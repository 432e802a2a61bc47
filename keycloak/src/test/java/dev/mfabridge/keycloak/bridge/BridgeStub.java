package dev.mfabridge.keycloak.bridge;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local /bridge/v1 that checks each request's signature the way docs/bridge-protocol.md says, with its own HMAC code
 * (not the client's signer), and refuses stale and replayed requests as the real server does. Tests script the answers.
 */
final class BridgeStub implements AutoCloseable {

    record Received(String method, String pathAsSent, Map<String, String> headers, String body) {
    }

    /** An answer status that closes the connection instead of answering. */
    static final int DROP = -1;

    record Answer(int status, String json, Map<String, String> headers, long delayMs) {
        static Answer ok(String json) {
            return new Answer(200, json, Map.of(), 0);
        }
    }

    interface Script {
        Answer answer(Received request);
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> signingKeys = new ConcurrentHashMap<>();
    private final Map<String, Boolean> seenNonces = new ConcurrentHashMap<>();
    private final HttpServer server;
    private volatile Script script = request -> Answer.ok("{}");

    BridgeStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    URI siteUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    void addClient(String clientId, String secret) {
        signingKeys.put(clientId, hmac(secret.getBytes(StandardCharsets.UTF_8),
                "mfa-bridge/bridge-request/v1".getBytes(StandardCharsets.UTF_8)));
    }

    void answer(Script script) {
        this.script = script;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        URI uri = exchange.getRequestURI();
        String pathAsSent = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Map<String, String> headers = new ConcurrentHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
        Received request = new Received(exchange.getRequestMethod(), pathAsSent, headers,
                new String(body, StandardCharsets.UTF_8));
        received.add(request);
        Answer refusal = authenticate(request, body);
        Answer answer = refusal != null ? refusal : script.answer(request);
        if (answer.status() == DROP) {
            // Close the connection without a byte of answer, as a server does with an idle keep-alive connection.
            exchange.close();
            return;
        }
        if (answer.delayMs() > 0) {
            try {
                Thread.sleep(answer.delayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] out = answer.json() == null ? new byte[0] : answer.json().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        try {
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            exchange.getResponseBody().write(out);
        } catch (IOException e) {
            // The client gave up (timeout test): nothing to answer to.
        } finally {
            exchange.close();
        }
    }

    private Answer authenticate(Received request, byte[] body) {
        byte[] key = signingKeys.get(request.headers().getOrDefault("x-bridge-client", ""));
        String timestamp = request.headers().getOrDefault("x-bridge-timestamp", "");
        String nonce = request.headers().getOrDefault("x-bridge-nonce", "");
        String signature = request.headers().getOrDefault("x-bridge-signature", "");
        if (key == null || !timestamp.matches("\\d{1,16}") || !nonce.matches("[A-Za-z0-9_-]{16,64}")) {
            return refuse("BRIDGE_UNAUTHENTICATED");
        }
        String canonical = request.method() + "\n" + request.pathAsSent() + "\n" + timestamp + "\n" + nonce + "\n"
                + HexFormat.of().formatHex(sha256(body));
        String expected = "v1=" + HexFormat.of().formatHex(hmac(key, canonical.getBytes(StandardCharsets.UTF_8)));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8))) {
            return refuse("BRIDGE_UNAUTHENTICATED");
        }
        if (Math.abs(System.currentTimeMillis() - Long.parseLong(timestamp)) > 300_000) {
            return refuse("BRIDGE_STALE");
        }
        if (seenNonces.putIfAbsent(request.headers().get("x-bridge-client") + ":" + nonce, true) != null) {
            return refuse("BRIDGE_REPLAYED");
        }
        return null;
    }

    /** Sends the same signed request again, byte for byte, as an attacker who captured it would. */
    int replay(Received request) throws IOException, InterruptedException {
        var builder = java.net.http.HttpRequest.newBuilder(URI.create(siteUrl() + request.pathAsSent()))
                .method(request.method(), java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        for (String h : List.of("x-bridge-client", "x-bridge-timestamp", "x-bridge-nonce", "x-bridge-signature")) {
            builder.header(h, request.headers().get(h));
        }
        return java.net.http.HttpClient.newHttpClient()
                .send(builder.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static Answer refuse(String code) {
        return new Answer(401, "{\"error\":\"refused by the stub\",\"code\":\"" + code + "\"}", Map.of(), 0);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
