package dev.mfabridge.keycloak;

import dev.mfabridge.keycloak.BrowserPages.Message;
import dev.mfabridge.keycloak.bridge.AttemptState;
import dev.mfabridge.keycloak.bridge.BridgeClient;
import dev.mfabridge.keycloak.bridge.BridgeException;
import dev.mfabridge.keycloak.bridge.Door;
import dev.mfabridge.keycloak.bridge.Factor;
import dev.mfabridge.keycloak.bridge.Outcome;
import dev.mfabridge.keycloak.bridge.SetupConfirmation;
import dev.mfabridge.keycloak.bridge.TotpSetup;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * Keycloak's browser door, after the password form. State lives in auth-session notes (server side), never in hidden
 * inputs: the form posts only what the user chose (an action, a factor id to switch to, a code), and each is checked
 * against what the bridge offers for this attempt.
 */
public class MfaBridgeBrowserAuthenticator implements Authenticator {

    static final String NOTE_ATTEMPT = "mfa-bridge.attempt";
    static final String NOTE_FACTOR = "mfa-bridge.factor";
    static final String NOTE_SETUP_ID = "mfa-bridge.setup.id";
    // The QR and key are kept only for re-showing the set-up page after a mistyped code; removed once it is done.
    static final String NOTE_SETUP_QR = "mfa-bridge.setup.qr";
    static final String NOTE_SETUP_SECRET = "mfa-bridge.setup.secret";
    private static final Logger LOG = Logger.getLogger(MfaBridgeBrowserAuthenticator.class);

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        Optional<BridgeClient> bridge = BridgeAccess.client(context);
        if (bridge.isEmpty()) {
            failClosed(context, AuthenticationFlowError.INTERNAL_ERROR, Response.Status.SERVICE_UNAVAILABLE,
                    "mfaBridgeUnavailable");
            return;
        }
        try {
            AttemptState state = bridge.get().openAttempt(BridgeAccess.user(context), Door.WEB, BridgeAccess.ip(context),
                    BridgeAccess.userAgent(context));
            clearNotes(context.getAuthenticationSession());
            if (state.attempt() != null) {
                context.getAuthenticationSession().setAuthNote(NOTE_ATTEMPT, state.attempt());
            }
            proceed(context, bridge.get(), state, Message.NONE);
        } catch (BridgeException e) {
            handle(context, e);
        }
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        String attempt = context.getAuthenticationSession().getAuthNote(NOTE_ATTEMPT);
        Optional<BridgeClient> bridge = BridgeAccess.client(context);
        if (attempt == null || bridge.isEmpty()) {
            authenticate(context);
            return;
        }
        MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
        String action = Optional.ofNullable(form.getFirst("mfaAction")).orElse("verify");
        try {
            switch (action) {
                case "switch" -> {
                    AttemptState state = bridge.get().readAttempt(attempt);
                    String wanted = form.getFirst("factor");
                    if (wanted != null && state.factor(wanted).isPresent()) {
                        context.getAuthenticationSession().setAuthNote(NOTE_FACTOR, wanted);
                    }
                    proceed(context, bridge.get(), state, Message.NONE);
                }
                case "send" -> send(context, bridge.get(), attempt);
                case "setup" -> confirmSetup(context, bridge.get(), attempt, form.getFirst("code"));
                default -> verify(context, bridge.get(), attempt, form.getFirst("code"));
            }
        } catch (BridgeException e) {
            handle(context, e);
        }
    }

    private void proceed(AuthenticationFlowContext context, BridgeClient bridge, AttemptState state, Message message)
            throws BridgeException {
        switch (state.outcome()) {
            case NOT_REQUIRED -> succeed(context);
            case PASSED -> consumeThenSucceed(context, bridge, state.attempt());
            case LOCKED -> context.failure(AuthenticationFlowError.USER_TEMPORARILY_DISABLED,
                    BrowserPages.locked(context, state));
            case FAILED -> failClosed(context, AuthenticationFlowError.ACCESS_DENIED, Response.Status.FORBIDDEN,
                    "mfaBridgeFailed");
            case SETUP_REQUIRED -> beginSetup(context, bridge, state.attempt());
            case PENDING -> showCode(context, state, message, false);
        }
    }

    private void showCode(AuthenticationFlowContext context, AttemptState state, Message message, boolean failed) {
        Optional<Factor> selected = selectedFactor(context, state);
        if (selected.isEmpty()) {
            // Pending with nothing on offer: the bridge and the user have no way forward here; refuse, do not pass.
            failClosed(context, AuthenticationFlowError.CREDENTIAL_SETUP_REQUIRED, Response.Status.FORBIDDEN,
                    "mfaBridgeNoFactor");
            return;
        }
        context.getAuthenticationSession().setAuthNote(NOTE_FACTOR, selected.get().id());
        Response page = BrowserPages.code(context, state, selected.get(), message);
        if (failed) {
            // Counts toward Keycloak's own brute-force detection too, when the realm has it on.
            context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, page);
        } else {
            context.challenge(page);
        }
    }

    private static Optional<Factor> selectedFactor(AuthenticationFlowContext context, AttemptState state) {
        String chosen = context.getAuthenticationSession().getAuthNote(NOTE_FACTOR);
        Optional<Factor> factor = chosen == null ? Optional.empty() : state.factor(chosen);
        if (factor.isPresent()) {
            return factor;
        }
        Optional<Factor> typed = state.firstTypedFactor();
        return typed.isPresent() ? typed : state.factors().stream().findFirst();
    }

    private void send(AuthenticationFlowContext context, BridgeClient bridge, String attempt) throws BridgeException {
        AttemptState state = bridge.readAttempt(attempt);
        Optional<Factor> factor = selectedFactor(context, state);
        if (state.outcome() != Outcome.PENDING || factor.isEmpty() || !factor.get().sendsChallenge()) {
            proceed(context, bridge, state, Message.NONE);
            return;
        }
        try {
            bridge.sendChallenge(attempt, factor.get().id());
        } catch (BridgeException e) {
            // Not sent (mail server refused, or asked too often): say so on the same page; the user may try another way.
            if ("DELIVERY_FAILED".equals(e.serverCode()) || e.reason() == BridgeException.Reason.RATE_LIMITED) {
                showCode(context, state, Message.error(e.reason() == BridgeException.Reason.RATE_LIMITED
                        ? "mfaBridgeSendTooOften" : "mfaBridgeSendFailed"), false);
                return;
            }
            throw e;
        }
        showCode(context, state, Message.info("mfaBridgeCodeSent"), false);
    }

    private void verify(AuthenticationFlowContext context, BridgeClient bridge, String attempt, String rawCode)
            throws BridgeException {
        String code = rawCode == null ? "" : rawCode.replaceAll("\\s", "");
        AttemptState current = bridge.readAttempt(attempt);
        Optional<Factor> factor = selectedFactor(context, current);
        if (current.outcome() != Outcome.PENDING || factor.isEmpty()) {
            proceed(context, bridge, current, Message.NONE);
            return;
        }
        if (code.isEmpty()) {
            showCode(context, current, Message.error("mfaBridgeCodeMissing"), false);
            return;
        }
        AttemptState state = bridge.verify(attempt, factor.get().id(), code);
        if (state.outcome() == Outcome.PENDING && state.failure() != null) {
            Integer triesLeft = state.failure().triesLeft();
            String key = state.failure().replayed() ? "mfaBridgeCodeUsedAlready" : "mfaBridgeInvalidCode";
            showCode(context, state, triesLeft == null ? Message.error(key)
                    : Message.error(key + "TriesLeft", triesLeft), true);
            return;
        }
        proceed(context, bridge, state, Message.NONE);
    }

    private void beginSetup(AuthenticationFlowContext context, BridgeClient bridge, String attempt)
            throws BridgeException {
        TotpSetup setup = bridge.beginTotpSetup(BridgeAccess.user(context), attempt);
        AuthenticationSessionModel session = context.getAuthenticationSession();
        session.setAuthNote(NOTE_SETUP_ID, setup.setupId());
        session.setAuthNote(NOTE_SETUP_QR, setup.qrSvg());
        session.setAuthNote(NOTE_SETUP_SECRET, setup.secret());
        context.challenge(BrowserPages.totpSetup(context, setup.qrSvg(), setup.secret(), Message.NONE));
    }

    private void confirmSetup(AuthenticationFlowContext context, BridgeClient bridge, String attempt, String rawCode)
            throws BridgeException {
        AuthenticationSessionModel session = context.getAuthenticationSession();
        String setupId = session.getAuthNote(NOTE_SETUP_ID);
        String code = rawCode == null ? "" : rawCode.replaceAll("\\s", "");
        if (setupId == null) {
            proceed(context, bridge, bridge.readAttempt(attempt), Message.NONE);
            return;
        }
        SetupConfirmation confirmation;
        try {
            confirmation = code.isEmpty() ? new SetupConfirmation(false, null)
                    : bridge.confirmTotpSetup(BridgeAccess.user(context), setupId, code, attempt);
        } catch (BridgeException e) {
            // A wrong code at confirm is 401 INVALID_CODE (docs/bridge-protocol.md, "Calls").
            if (e.reason() != BridgeException.Reason.INVALID_CODE && e.reason() != BridgeException.Reason.INVALID_INPUT) {
                throw e;
            }
            confirmation = new SetupConfirmation(false, null);
        }
        if (!confirmation.confirmed()) {
            context.failureChallenge(AuthenticationFlowError.INVALID_CREDENTIALS, BrowserPages.totpSetup(context,
                    session.getAuthNote(NOTE_SETUP_QR), session.getAuthNote(NOTE_SETUP_SECRET),
                    Message.error("mfaBridgeInvalidCode")));
            return;
        }
        session.removeAuthNote(NOTE_SETUP_ID);
        session.removeAuthNote(NOTE_SETUP_QR);
        session.removeAuthNote(NOTE_SETUP_SECRET);
        // The bridge passes the waiting attempt on set-up; read it rather than trust a missing outcome.
        proceed(context, bridge, bridge.readAttempt(attempt), Message.NONE);
    }

    /** A passed attempt is spent before the login completes; already spent means a replay, and the login is refused. */
    private void consumeThenSucceed(AuthenticationFlowContext context, BridgeClient bridge, String attempt)
            throws BridgeException {
        if (!bridge.consume(attempt)) {
            failClosed(context, AuthenticationFlowError.INVALID_CREDENTIALS, Response.Status.FORBIDDEN,
                    "mfaBridgeAlreadyUsed");
            return;
        }
        succeed(context);
    }

    private static void succeed(AuthenticationFlowContext context) {
        clearNotes(context.getAuthenticationSession());
        context.success();
    }

    private void handle(AuthenticationFlowContext context, BridgeException e) {
        switch (e.reason()) {
            case ATTEMPT_NOT_FOUND, ATTEMPT_EXPIRED -> failClosed(context, AuthenticationFlowError.EXPIRED_CODE,
                    Response.Status.BAD_REQUEST, "mfaBridgeAttemptExpired");
            case RATE_LIMITED -> failClosed(context, AuthenticationFlowError.INTERNAL_ERROR,
                    Response.Status.TOO_MANY_REQUESTS, "mfaBridgeRateLimited");
            case REFUSED -> failClosed(context, AuthenticationFlowError.ACCESS_DENIED, Response.Status.FORBIDDEN,
                    "mfaBridgeRefused");
            default -> {
                LOG.warnf("mfa-bridge: browser login refused, the bridge cannot answer: %s", e.getMessage());
                failClosed(context, AuthenticationFlowError.INTERNAL_ERROR, Response.Status.SERVICE_UNAVAILABLE,
                        "mfaBridgeUnavailable");
            }
        }
    }

    private static void failClosed(AuthenticationFlowContext context, AuthenticationFlowError error,
            Response.Status status, String messageKey) {
        clearNotes(context.getAuthenticationSession());
        context.failure(error, BrowserPages.error(context, status, messageKey));
    }

    private static void clearNotes(AuthenticationSessionModel session) {
        for (String note : new String[] {NOTE_ATTEMPT, NOTE_FACTOR, NOTE_SETUP_ID, NOTE_SETUP_QR, NOTE_SETUP_SECRET}) {
            session.removeAuthNote(note);
        }
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    @Override
    public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
        return true;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    }

    @Override
    public void close() {
    }
}
