package dev.mfabridge.keycloak.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads the bridge's JSON answers into records; a missing or mistyped field is a protocol break (fail closed). */
final class BridgeAnswers {

    private BridgeAnswers() {
    }

    static AttemptState attempt(JsonNode json) throws BridgeException {
        List<Factor> factors = new ArrayList<>();
        JsonNode list = json.get("factors");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                throw broken("factors is not a list");
            }
            for (JsonNode f : list) {
                factors.add(new Factor(requireText(f, "id"), optionalText(f, "name", requireText(f, "id")),
                        optionalText(f, "input", "code"), f.path("sendsChallenge").asBoolean(false),
                        f.path("locked").asBoolean(false), optionalInt(f, "triesLeft")));
            }
        }
        Long lockedUntil = optionalLong(json, "lockedUntil");
        VerifyFailure failure = null;
        JsonNode error = json.get("error");
        if (error != null && error.isObject()) {
            failure = new VerifyFailure(optionalText(error, "code", "INVALID_CODE"), optionalText(error, "message", ""),
                    optionalInt(error, "triesLeft"), optionalText(error, "reason", null));
        }
        Outcome outcome = Outcome.fromWire(requireText(json, "outcome"));
        // Every outcome but not_required names an attempt; without one nothing could be verified or consumed.
        String attempt = outcome == Outcome.NOT_REQUIRED ? optionalText(json, "attempt", null)
                : requireText(json, "attempt");
        return new AttemptState(attempt, outcome, factors,
                lockedUntil == null ? null : Instant.ofEpochMilli(lockedUntil), failure);
    }

    static TotpSetup totpSetup(JsonNode json) throws BridgeException {
        Long expiresAt = optionalLong(json, "expiresAt");
        return new TotpSetup(requireText(json, "setupId"), requireText(json, "secret"), requireText(json, "otpauthUri"),
                requireText(json, "qrSvg"), expiresAt == null ? null : Instant.ofEpochMilli(expiresAt));
    }

    static SetupConfirmation setupConfirmation(JsonNode json) throws BridgeException {
        String outcome = optionalText(json, "outcome", null);
        return new SetupConfirmation(requireBoolean(json, "confirmed"),
                outcome == null ? null : Outcome.fromWire(outcome));
    }

    static boolean requireBoolean(JsonNode json, String field) throws BridgeException {
        JsonNode value = json.get(field);
        if (value == null || !value.isBoolean()) {
            throw broken(field + " is not true or false");
        }
        return value.booleanValue();
    }

    private static String requireText(JsonNode json, String field) throws BridgeException {
        JsonNode value = json.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw broken(field + " is missing");
        }
        return value.asText();
    }

    private static String optionalText(JsonNode json, String field, String fallback) {
        JsonNode value = json.get(field);
        return value != null && value.isTextual() ? value.asText() : fallback;
    }

    private static Integer optionalInt(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value != null && value.canConvertToInt() && value.isNumber() ? value.intValue() : null;
    }

    /** expiresAt/lockedUntil are epoch ms in the protocol; an ISO string is accepted too, to be lenient with the server. */
    private static Long optionalLong(JsonNode json, String field) throws BridgeException {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isNumber()) {
            return value.longValue();
        }
        if (value.isTextual()) {
            try {
                return Instant.parse(value.asText()).toEpochMilli();
            } catch (java.time.format.DateTimeParseException e) {
                throw broken(field + " is not a time");
            }
        }
        throw broken(field + " is not a time");
    }

    private static BridgeException broken(String what) {
        return BridgeException.unavailable("The bridge's answer does not follow /bridge/v1: " + what, null);
    }
}
