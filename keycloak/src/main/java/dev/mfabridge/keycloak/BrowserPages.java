package dev.mfabridge.keycloak;

import dev.mfabridge.keycloak.bridge.AttemptState;
import dev.mfabridge.keycloak.bridge.Factor;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.forms.login.LoginFormsProvider;

/**
 * The login-theme pages of the browser step (theme-resources/templates). Text lives in messages_*.properties, never the
 * bridge's English: a localized Keycloak page shows localized words (privacyIDEA's provider #261). Templates get maps,
 * not records, so any FreeMarker object wrapper reads them.
 */
final class BrowserPages {

    static final String CODE_PAGE = "mfa-bridge-code.ftl";
    static final String SETUP_PAGE = "mfa-bridge-totp-setup.ftl";

    private BrowserPages() {
    }

    /** The factor's input, the other factors ("Try another way"), tries left, "Send me a code" when it sends one. */
    static Response code(AuthenticationFlowContext context, AttemptState state, Factor selected, Message message) {
        List<Map<String, Object>> others = new ArrayList<>();
        for (Factor factor : state.factors()) {
            if (!factor.id().equals(selected.id())) {
                others.add(describe(factor));
            }
        }
        LoginFormsProvider form = context.form()
                .setAttribute("mfaFactor", describe(selected))
                .setAttribute("mfaOtherFactors", others)
                .setAttribute("mfaLocked", false);
        return message.applyTo(form).createForm(CODE_PAGE);
    }

    static Response locked(AuthenticationFlowContext context, AttemptState state) {
        LoginFormsProvider form = context.form().setAttribute("mfaLocked", true)
                .setAttribute("mfaOtherFactors", List.of());
        if (state.lockedUntil() != null) {
            form.setAttribute("mfaLockedUntil", state.lockedUntil().toString());
            form.setError("mfaBridgeLockedUntil", state.lockedUntil().toString());
        } else {
            form.setError("mfaBridgeLocked");
        }
        return form.createForm(CODE_PAGE);
    }

    /** The QR is the bridge's SVG, shown as an image (a data: URI in img cannot run script), plus the key to type. */
    static Response totpSetup(AuthenticationFlowContext context, String qrSvg, String secret, Message message) {
        String qr = "data:image/svg+xml;base64,"
                + Base64.getEncoder().encodeToString(qrSvg.getBytes(StandardCharsets.UTF_8));
        LoginFormsProvider form = context.form()
                .setAttribute("mfaQrDataUri", qr)
                .setAttribute("mfaSecret", secret.replaceAll("(.{4})(?=.)", "$1 "));
        return message.applyTo(form).createForm(SETUP_PAGE);
    }

    /** A page without a way forward but "start again": the bridge cannot decide, so nobody gets in. */
    static Response error(AuthenticationFlowContext context, Response.Status status, String messageKey) {
        return context.form().setError(messageKey).createErrorPage(status);
    }

    private static Map<String, Object> describe(Factor factor) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", factor.id());
        view.put("name", factor.name());
        view.put("input", factor.input());
        view.put("takesCode", factor.takesTypedCode());
        view.put("sendsChallenge", factor.sendsChallenge());
        view.put("locked", factor.locked());
        if (factor.triesLeft() != null) {
            view.put("triesLeft", factor.triesLeft());
        }
        return view;
    }

    /** An optional error or info line: a message key of messages_*.properties and its parameters. */
    record Message(boolean error, String key, Object... parameters) {
        static final Message NONE = new Message(false, null);

        static Message error(String key, Object... parameters) {
            return new Message(true, key, parameters);
        }

        static Message info(String key, Object... parameters) {
            return new Message(false, key, parameters);
        }

        LoginFormsProvider applyTo(LoginFormsProvider form) {
            if (key == null) {
                return form;
            }
            return error ? form.setError(key, parameters) : form.setInfo(key, parameters);
        }
    }
}
