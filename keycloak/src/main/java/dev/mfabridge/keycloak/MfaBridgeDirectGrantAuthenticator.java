package dev.mfabridge.keycloak;

import dev.mfabridge.keycloak.bridge.AttemptState;
import dev.mfabridge.keycloak.bridge.BridgeClient;
import dev.mfabridge.keycloak.bridge.BridgeException;
import dev.mfabridge.keycloak.bridge.Door;
import dev.mfabridge.keycloak.bridge.Factor;
import jakarta.ws.rs.core.MediaType;
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
import org.keycloak.representations.idm.OAuth2ErrorRepresentation;

/**
 * Keycloak's token door. One request, no second step (Keycloak drops the auth session after it): the attempt is opened,
 * verified and consumed inside this call, or the grant is refused with an OAuth error. Never a token without MFA.
 */
public class MfaBridgeDirectGrantAuthenticator implements Authenticator {

    /** The LMS token door's words (DESIGN.md); clients match on them. */
    public static final String REQUIRED = "Multi-factor authentication is required for this service";
    static final String FAILED = "Multi-factor authentication failed for this sign-in";
    static final String CODE_PARAM = "mfa_code";
    static final String FACTOR_PARAM = "mfa_factor";
    private static final Logger LOG = Logger.getLogger(MfaBridgeDirectGrantAuthenticator.class);

    @Override
    public void authenticate(AuthenticationFlowContext context) {
        Optional<BridgeClient> configured = BridgeAccess.client(context);
        if (configured.isEmpty()) {
            unavailable(context);
            return;
        }
        BridgeClient bridge = configured.get();
        MultivaluedMap<String, String> params = context.getHttpRequest().getDecodedFormParameters();
        String code = trimmedOrNull(params.getFirst(CODE_PARAM));
        String factorId = trimmedOrNull(params.getFirst(FACTOR_PARAM));
        try {
            AttemptState state = bridge.openAttempt(BridgeAccess.user(context), Door.TOKEN, BridgeAccess.ip(context),
                    BridgeAccess.userAgent(context));
            switch (state.outcome()) {
                case NOT_REQUIRED -> context.success();
                case PASSED -> consumeThenSucceed(context, bridge, state.attempt());
                case LOCKED -> refuseLocked(context, state);
                case FAILED -> refuse(context, AuthenticationFlowError.ACCESS_DENIED, FAILED);
                case SETUP_REQUIRED -> refuse(context, AuthenticationFlowError.INVALID_USER, code == null ? REQUIRED
                        : "Set up multi-factor authentication by signing in with a browser first");
                case PENDING -> verify(context, bridge, state, code, factorId);
            }
        } catch (BridgeException e) {
            handle(context, e);
        }
    }

    private void verify(AuthenticationFlowContext context, BridgeClient bridge, AttemptState state, String code,
            String factorId) throws BridgeException {
        if (code == null) {
            refuse(context, AuthenticationFlowError.INVALID_USER, REQUIRED);
            return;
        }
        Optional<Factor> factor = factorId == null ? state.firstTypedFactor() : state.factor(factorId);
        if (factor.isEmpty() || !factor.get().takesTypedCode()) {
            refuse(context, AuthenticationFlowError.INVALID_USER, factorId == null
                    ? "None of your second factors takes a typed code here: sign in with a browser"
                    : "mfa_factor \"" + factorId + "\" is not one of your second factors that takes a typed code");
            return;
        }
        AttemptState verified = bridge.verify(state.attempt(), factor.get().id(), code);
        switch (verified.outcome()) {
            case PASSED -> consumeThenSucceed(context, bridge, verified.attempt());
            case NOT_REQUIRED -> context.success();
            case LOCKED -> refuseLocked(context, verified);
            case FAILED -> refuse(context, AuthenticationFlowError.ACCESS_DENIED, FAILED);
            case SETUP_REQUIRED -> refuse(context, AuthenticationFlowError.INVALID_USER, REQUIRED);
            case PENDING -> {
                Integer triesLeft = verified.failure() == null ? null : verified.failure().triesLeft();
                boolean replayed = verified.failure() != null && verified.failure().replayed();
                refuse(context, AuthenticationFlowError.INVALID_CREDENTIALS, (replayed
                        ? "This multi-factor authentication code was used already: wait for the next one"
                        : "Invalid multi-factor authentication code")
                        + (triesLeft == null ? "" : " (" + triesLeft + " tries left)"));
            }
        }
    }

    /** Spend the attempt before the token is issued: a second use of the same pass must not mint a second token. */
    private void consumeThenSucceed(AuthenticationFlowContext context, BridgeClient bridge, String attempt)
            throws BridgeException {
        if (bridge.consume(attempt)) {
            context.success();
        } else {
            refuse(context, AuthenticationFlowError.INVALID_CREDENTIALS,
                    "This multi-factor authentication was already used: sign in again");
        }
    }

    private void refuseLocked(AuthenticationFlowContext context, AttemptState state) {
        refuse(context, AuthenticationFlowError.USER_TEMPORARILY_DISABLED,
                "Multi-factor authentication is locked after too many failed codes"
                        + (state.lockedUntil() == null ? ": ask your administrator to unlock it"
                                : "; try again after " + state.lockedUntil()));
    }

    private void handle(AuthenticationFlowContext context, BridgeException e) {
        switch (e.reason()) {
            case ATTEMPT_NOT_FOUND, ATTEMPT_EXPIRED ->
                refuse(context, AuthenticationFlowError.EXPIRED_CODE, "The sign-in took too long: try again");
            case INVALID_INPUT, INVALID_CODE -> refuse(context, AuthenticationFlowError.INVALID_CREDENTIALS,
                    "Invalid multi-factor authentication code");
            case REFUSED -> refuse(context, AuthenticationFlowError.ACCESS_DENIED,
                    "Multi-factor authentication refuses this account here: ask your administrator");
            case RATE_LIMITED -> respond(context, AuthenticationFlowError.INTERNAL_ERROR, 429, "temporarily_unavailable",
                    "Too many sign-in attempts: try again"
                            + (e.retryAfterSeconds() == null ? " later" : " in " + e.retryAfterSeconds() + " s"));
            default -> {
                LOG.warnf("mfa-bridge: direct grant refused, the bridge cannot answer: %s", e.getMessage());
                unavailable(context);
            }
        }
    }

    private static void unavailable(AuthenticationFlowContext context) {
        respond(context, AuthenticationFlowError.INTERNAL_ERROR, 503, "temporarily_unavailable",
                "Multi-factor authentication is unavailable right now: try again in a few minutes");
    }

    private static void refuse(AuthenticationFlowContext context, AuthenticationFlowError error, String description) {
        // 401 invalid_grant, as Keycloak's own direct-grant steps answer (AbstractDirectGrantAuthenticator).
        respond(context, error, 401, "invalid_grant", description);
    }

    private static void respond(AuthenticationFlowContext context, AuthenticationFlowError error, int status,
            String oauthError, String description) {
        Response response = Response.status(status)
                .entity(new OAuth2ErrorRepresentation(oauthError, description))
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("Cache-Control", "no-store")
                .build();
        context.failure(error, response);
    }

    private static String trimmedOrNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        // The token endpoint never posts back to a step.
        authenticate(context);
    }

    @Override
    public boolean requiresUser() {
        return true;
    }

    /** The bridge decides who needs what (incl. set-up), so the step applies to every user. */
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
