package dev.mfabridge.keycloak;

import dev.mfabridge.keycloak.bridge.BridgeClient;
import dev.mfabridge.keycloak.bridge.PlatformUser;
import java.net.http.HttpClient;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.models.UserModel;

/** What both steps need from a flow context: the configured bridge client, the user in the bridge's terms, the caller. */
final class BridgeAccess {

    private static final Logger LOG = Logger.getLogger(BridgeAccess.class);

    /**
     * One HTTP client per Keycloak node: it pools connections and owns its selector thread, so one per login would pile
     * threads up (privacyIDEA's provider, issue #169). Redirects are never followed: a signed request goes where it was
     * signed for or nowhere.
     */
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    private BridgeAccess() {
    }

    /** Empty (and logged for the admin) when the step has no usable configuration: the caller refuses the login. */
    static Optional<BridgeClient> client(AuthenticationFlowContext context) {
        Optional<BridgeClient> client = MfaBridgeConfig.read(context.getAuthenticatorConfig())
                .map(settings -> new BridgeClient(settings, HTTP));
        if (client.isEmpty()) {
            LOG.errorf("mfa-bridge: the step in realm %s has no usable configuration (bridge URL http(s)://…, client id,"
                    + " client secret, timeout in ms): logins through it are refused", context.getRealm().getName());
        }
        return client;
    }

    static PlatformUser user(AuthenticationFlowContext context) {
        UserModel user = context.getUser();
        return new PlatformUser(user.getId(), user.getUsername(), user.getEmail(), user.isEmailVerified());
    }

    static String ip(AuthenticationFlowContext context) {
        return context.getConnection() == null ? null : context.getConnection().getRemoteAddr();
    }

    static String userAgent(AuthenticationFlowContext context) {
        return context.getHttpRequest().getHttpHeaders().getHeaderString("User-Agent");
    }
}
